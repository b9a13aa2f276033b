"""How a space is named and where it is linked, for the notification list and search results.

Links carry public ids only, so a link in a mail says nothing about the space.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from renkei.accounts.models import Member
from renkei.attachments.models import Attachment
from renkei.spaces.models import Space, SpaceKind
from renkei.timeline.models import Post


def space_path(space: Space) -> str:
    try:
        return reverse("spaces:space", kwargs={"space_id": space.public_id})
    except NoReverseMatch:  # the spaces pages are not mounted
        return f"/spaces/{space.public_id}/"


def post_path(post: Post) -> str:
    return f"{space_path(post.space)}#post-{post.public_id}"


def attachment_path(attachment: Attachment) -> str:
    try:
        return reverse("attachments:download", kwargs={"public_id": attachment.public_id})
    except NoReverseMatch:  # the file views are not mounted
        return f"/files/{attachment.public_id}/"


def absolute(path: str) -> str:
    """A path as a full link, for a mail."""
    return f"{settings.BASE_URL}{path}"


def space_label(space: Space, partner: Member | None = None) -> str:
    """A space's name as its members know it: the patient, the group's name, or the other
    member of a connection. Shown only to members, never in a mail."""
    if space.kind == SpaceKind.PATIENT_GROUP:
        patient = getattr(space, "patient", None)
        return patient.name if patient else _("Patient group")
    if space.kind == SpaceKind.CONNECTION:
        return partner.name if partner else _("Connection")
    return space.name
