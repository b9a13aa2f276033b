"""``{% guide_link "topic" %}``: the small "？ 使い方" link from a page to the guide page that
explains it (R2.7). An unknown topic is an error, so that a typo cannot hide a broken link."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from renkei.guide.topics import topic

register = template.Library()


@register.simple_tag
def guide_link(slug: str) -> SafeString:
    found = topic(slug)
    if found is None:
        raise template.TemplateSyntaxError(f"guide_link: no guide topic {slug!r}")
    return format_html(
        '<a class="guide-link" href="{}" data-guide="{}" aria-label="{}">{}</a>',
        reverse("guide:topic", args=[slug]),
        slug,
        gettext("Guide: %(title)s") % {"title": found.title},
        gettext("? How to"),
    )


@register.simple_tag
def guide_nav() -> SafeString:
    """The guide's entry in the main menu."""
    return format_html(
        '<a href="{}" class="nav-guide">{}</a>', reverse("guide:index"), gettext("Usage guide")
    )


@register.simple_tag
def guide_entry() -> SafeString:
    """The help page's pointer to the guide."""
    return format_html(
        '<p class="card guide-entry"><a href="{}">{}</a></p>',
        reverse("guide:index"),
        gettext(
            "Usage guide: how to post, acknowledge, invite, approve, archive, report a lost "
            "device, and what to write in each kind of space"
        ),
    )
