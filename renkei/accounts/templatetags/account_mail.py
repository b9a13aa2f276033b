"""Template tags for account mail: links are absolute, built on the site's configured address."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def absolute_url(path: str) -> str:
    """``settings.BASE_URL`` followed by ``path``: mail is read outside the site."""
    return f"{settings.BASE_URL}{path}"
