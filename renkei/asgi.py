"""ASGI entry point: pages, the JSON API and live WebSocket connections in one process."""

import os

import django

from renkei.arenas import limit_malloc_arenas

# Before any thread starts: the threads' malloc arenas are made as they first allocate.
limit_malloc_arenas()

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renkei.settings")
django.setup(set_prefix=False)

from renkei.request_threads import PooledThreadsASGIHandler  # noqa: E402  (after setup)

# Django's handler, with the request threads kept between requests (renkei.request_threads).
django_application = PooledThreadsASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from renkei.realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
