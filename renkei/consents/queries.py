"""What a viewer may see of a patient group's consent (R3.2).

The consent's status is seen by the group's active members and by those who manage consent
(its patient group admins and the lead facility's facility admins); the signed form itself only
by the latter. Anyone else gets NotFound, whether the group is missing or not theirs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from renkei import authz
from renkei.accounts.models import Member
from renkei.consents.models import ConsentRecord
from renkei.errors import NotFound, RuleViolation
from renkei.spaces.models import Membership, Space, SpaceKind, SpaceState


@dataclass
class ConsentAccess:
    """A patient group the viewer may see the consent of, with what the viewer may do."""

    space: Space
    membership: Membership | None
    may_manage: bool


@dataclass
class ConsentStatus:
    """A patient group's consent: the current record, or the last withdrawn one, and history."""

    state: str  # "none", "consented" or "withdrawn"
    current: ConsentRecord | None
    latest: ConsentRecord | None
    history: list[ConsentRecord] = field(default_factory=list)


def _parse(public_id: uuid.UUID | str) -> uuid.UUID:
    try:
        return uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound() from None


def consent_access(viewer: Member, public_id: uuid.UUID | str) -> ConsentAccess:
    """The patient group for its active members and its consent managers; NotFound otherwise
    (other members of the network, the secretariat and other facilities' admins included)."""
    space = (
        Space.objects.select_related("patient", "lead_facility")
        .filter(public_id=_parse(public_id), kind=SpaceKind.PATIENT_GROUP)
        .exclude(state=SpaceState.DELETED)
        .first()
    )
    if space is None or not viewer.is_authenticated:
        raise NotFound()
    membership = Membership.objects.filter(space=space, member=viewer).first()
    may_manage = authz.may_manage_consent(viewer, space, membership)
    if not (may_manage or authz.may_read_space(membership)):
        raise NotFound()
    return ConsentAccess(space=space, membership=membership, may_manage=may_manage)


def manage_access(viewer: Member, public_id: uuid.UUID | str) -> ConsentAccess:
    """As ``consent_access``, for what only consent managers reach (the prefilled form and
    the signed copy): NotFound for everybody else, members of the group included."""
    access = consent_access(viewer, public_id)
    if not access.may_manage:
        raise NotFound()
    return access


def consent_status(space: Space) -> ConsentStatus:
    """The consent of a patient group the caller has already reached through an access check."""
    history = list(
        ConsentRecord.objects.filter(space=space)
        .select_related("recorded_by", "withdrawn_by")
        .order_by("-recorded_at", "-id")
    )
    current = next((c for c in history if c.is_current), None)
    latest = history[0] if history else None
    if current is not None:
        state = "consented"
    elif latest is not None:
        state = "withdrawn"
    else:
        state = "none"
    return ConsentStatus(state=state, current=current, latest=latest, history=history)


def has_consent(space: Space) -> bool:
    return ConsentRecord.objects.filter(space=space, withdrawn_at__isnull=True).exists()


def require_consent(space: Space) -> None:
    """R3.2: a patient group accepts no post, reply or file until the patient's consent is
    recorded. Groups and connections hold no patient information and are not gated."""
    if space.kind == SpaceKind.PATIENT_GROUP and not has_consent(space):
        raise RuleViolation(
            _(
                "Nothing can be posted in this patient group until the patient's consent "
                "(form 4) is recorded. A patient group admin or a facility admin of the lead "
                "facility can record it from the consent section of this patient group."
            ),
            rule="R3.2",
        )


def consent_record(space: Space, public_id: uuid.UUID | str | None) -> ConsentRecord:
    """One consent record of the space: the one named, or the latest one."""
    records = ConsentRecord.objects.filter(space=space).order_by("-recorded_at", "-id")
    if public_id is not None:
        records = records.filter(public_id=_parse(public_id))
    record = records.first()
    if record is None:
        raise NotFound()
    return record
