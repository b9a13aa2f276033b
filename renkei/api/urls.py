"""Mounted at api/v1/ by renkei.urls."""

from django.urls import URLPattern, URLResolver, path

from renkei.api.api import api

# Django tries the patterns in order, one regular expression each: the timeline's (every post,
# page, read mark and 了解) go first, ahead of some fifty others. The OpenAPI document keeps
# the routers' order.
_FIRST = ("spaces/<public_id>/posts", "spaces/<public_id>/read", "posts/<public_id>")


def _first_in_line(pattern: URLPattern | URLResolver) -> bool:
    return str(pattern.pattern).startswith(_FIRST)


_patterns, _app_name, _namespace = api.urls
_ordered = sorted(_patterns, key=lambda p: not _first_in_line(p))

urlpatterns = [path("", (_ordered, _app_name, _namespace))]
