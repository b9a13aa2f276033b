"""The OpenAPI description as committed in docs/openapi.json."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.utils import translation

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "openapi.json"


def openapi_text() -> str:
    """The OpenAPI description of /api/v1 as stable text: sorted keys, English, one newline."""
    from renkei.api.api import api

    # Labels are translatable; the committed description is the same whoever runs the export.
    with translation.override("en"):
        schema = api.get_openapi_schema(path_prefix="/api/v1/")
        text = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False)
    return text + "\n"
