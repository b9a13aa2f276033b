"""Publishing live events after the transaction that caused them commits."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from renkei.realtime.layers import InProcessChannelLayer

log = logging.getLogger(__name__)


def publish_now(group: str, event: dict[str, Any]) -> None:
    """Send ``event`` to every live connection in ``group``; a layer failure is logged only,
    since the change itself has committed and clients catch up when they reconnect."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        # The embedded layer takes it without a wait (renkei.realtime.layers); Redis's layer,
        # or no running loop, the ordinary way. (Redis's layer answers every attribute through
        # a layer of the running loop, so it is not asked whether it has the method.)
        if isinstance(layer, InProcessChannelLayer) and layer.group_send_soon(group, event):
            return
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        log.exception("live event to %s could not be published", group)


def publish_on_commit(group: str, event: dict[str, Any]) -> None:
    """Queue ``event`` for ``group`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: publish_now(group, event))
