"""The usage guide's topics (R2.7): one page each, with the sections of the region's operating
rules (朝霞地区 MCS 運用ルール) that it explains."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Topic:
    slug: str
    title: Promise
    # Sections of the operating rules, written as the seed numbers them: "2)(4)", "3)(3)④".
    rules: tuple[str, ...]
    for_admins: bool = False

    @property
    def template(self) -> str:
        return f"guide/topics/{self.slug}.html"


TOPICS: tuple[Topic, ...] = (
    Topic("post", _("How to post: text, photos and files"), ("2)(4)", "3)(3)③", "3)(3)④")),
    Topic("acknowledge", _("了解: acknowledge and ask for 了解"), ("3)(3)②",)),
    Topic("reply", _("Reply and mention"), ("2)(5)①",)),
    Topic("spaces", _("What to write in each kind of space"), ("2)(4)", "3)(3)")),
    Topic(
        "invite",
        _("Invite members and the facility admin's approval"),
        ("2)(4)", "2)(5)④", "3)(1)"),
    ),
    Topic("lost-device", _("Report a lost device"), ("2)(2)", "2)(3)②", "2)(5)④")),
    Topic("approve", _("Approve or decline invitations"), ("2)(5)②", "2)(5)④"), for_admins=True),
    Topic("consent", _("Consent to share (form 4)"), ("3)(2)",), for_admins=True),
    Topic("archive", _("Archive and restore a patient group"), ("3)(5)",), for_admins=True),
    Topic("deletion", _("Complete deletion"), ("3)(5)",), for_admins=True),
    Topic("report", _("Report a problem to the secretariat"), ("2)(5)④", "3)(5)"), for_admins=True),
)

BY_SLUG: dict[str, Topic] = {t.slug: t for t in TOPICS}


def topic(slug: str) -> Topic | None:
    return BY_SLUG.get(slug)
