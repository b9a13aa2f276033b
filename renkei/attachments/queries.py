"""Who may reach an attachment: the active members of its space, and nobody else."""

from __future__ import annotations

import uuid

from renkei import authz
from renkei.accounts.models import Member
from renkei.attachments.models import Attachment
from renkei.errors import NotFound
from renkei.spaces.models import Membership, SpaceState


def access_attachment(viewer: Member, public_id: uuid.UUID) -> Attachment:
    """The attachment, if ``viewer`` is an active member of its space; else NotFound, whether
    it is missing or forbidden (secretariat and facility admins included: files are read only
    by the members of their space)."""
    attachment = (
        Attachment.objects.select_related("space", "post").filter(public_id=public_id).first()
    )
    if (
        attachment is None
        or attachment.space.state == SpaceState.DELETED
        or attachment.post.deleted_at is not None
    ):
        raise NotFound()
    membership = Membership.objects.filter(space=attachment.space, member=viewer).first()
    if not authz.may_read_space(membership):
        raise NotFound()
    return attachment
