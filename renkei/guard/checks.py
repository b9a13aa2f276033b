"""R2.6: groups hold no patient personal information; connections take extra care.

Before a post or a file name is saved in a group or a connection, ``screen_post`` looks for the
personal information of the region's patients (renkei.guard.detector). In a group a finding
refuses the post (GuardBlocked) and points to the patient group instead; in a connection it
warns (GuardWarning) until the author sends again with ``confirm``, and that confirmation is
audited with the kinds found, never the text. Patient groups are not checked: that is where
patients' information belongs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkei.accounts.models import Member
from renkei.audit.events import AuditAction
from renkei.audit.record import record
from renkei.errors import DomainError, RuleViolation
from renkei.guard import detector
from renkei.guard.detector import Match
from renkei.guard.queries import region_index
from renkei.spaces.models import Membership, MembershipState, Space, SpaceKind

KIND_LABELS = {
    detector.NAME: gettext_lazy("patient's name"),
    detector.BIRTH_DATE: gettext_lazy("date of birth"),
    detector.ADDRESS: gettext_lazy("address"),
    detector.PHONE: gettext_lazy("phone number"),
    detector.INSURANCE_NUMBER: gettext_lazy("insurance or My Number"),
}
SHOWN_MAX = 5


class _Found:
    """What a refused or held post carries: the findings and where to post instead."""

    matches: list[Match]
    patient_link: str

    def details(self) -> dict[str, Any]:
        return {
            "matches": [
                {
                    "kind": m.kind,
                    "label": str(KIND_LABELS[m.kind]),
                    "text": m.text,
                    "start": m.start,
                    "end": m.end,
                    "field": m.field,
                }
                for m in self.matches
            ],
            "patient_link": self.patient_link,
        }


class GuardBlocked(_Found, RuleViolation):
    """A post in a group holds what looks like a patient's personal information (R2.6)."""

    code = "personal_information"

    def __init__(self, message: str, *, matches: list[Match], patient_link: str) -> None:
        super().__init__(message, field="body", rule="R2.6")
        self.matches = matches
        self.patient_link = patient_link


class GuardWarning(_Found, DomainError):
    """A post in a connection looks like it holds a patient's personal information: sent
    again with ``confirm`` it is saved (R2.6)."""

    status = 409
    code = "confirm_personal_information"

    def __init__(self, message: str, *, matches: list[Match], patient_link: str) -> None:
        super().__init__(message, field="confirm", rule="R2.6")
        self.matches = matches
        self.patient_link = patient_link


def find(body: str, file_names: Sequence[str] = ()) -> list[Match]:
    """Findings in the text and the file names of a post (file-name findings are marked with
    ``field == "attachments"``)."""
    if not body.strip() and not file_names:
        return []
    index = region_index()
    found = list(detector.detect(body, index))
    for name in file_names:
        found.extend(replace(m, field="attachments") for m in detector.detect(name, index))
    return found


def described(matches: Sequence[Match]) -> str:
    """The findings as the message names them: 氏名「…」、電話番号「…」."""
    shown = [
        _("%(kind)s “%(text)s”") % {"kind": KIND_LABELS[m.kind], "text": m.text}
        for m in matches[:SHOWN_MAX]
    ]
    if len(matches) > SHOWN_MAX:
        shown.append(_("and %(n)d more") % {"n": len(matches) - SHOWN_MAX})
    return _(", ").join(shown)


def patient_link(actor: Member, matches: Sequence[Match]) -> str:
    """Where to post instead: the patient group of the patient found, if the author is one of
    its members; otherwise the patient list (which names no one the author cannot see)."""
    ids = [m.patient_id for m in matches if m.patient_id is not None]
    if ids:
        membership = (
            Membership.objects.select_related("space")
            .filter(space_id__in=ids, member=actor, state=MembershipState.ACTIVE)
            .first()
        )
        if membership is not None:
            return reverse("spaces:space", kwargs={"space_id": membership.space.public_id})
    return reverse("spaces:list") + "?tab=patients"


def screen_post(
    actor: Member,
    *,
    space: Space,
    body: str,
    file_names: Sequence[str] = (),
    confirm: bool = False,
) -> list[Match]:
    """R2.6 before a post is saved: nothing in a patient group; in a group any finding raises
    GuardBlocked; in a connection any finding raises GuardWarning unless ``confirm``. Returns
    the findings the author confirmed (empty when there were none)."""
    if space.kind == SpaceKind.PATIENT_GROUP:
        return []
    matches = find(body, file_names)
    if not matches:
        return []
    link = patient_link(actor, matches)
    if space.kind == SpaceKind.GROUP:
        raise GuardBlocked(
            _(
                "Groups must not hold patients' personal information (R2.6). This post "
                "seems to contain: %(found)s. Remove it, or write this in the patient's "
                "patient group instead."
            )
            % {"found": described(matches)},
            matches=matches,
            patient_link=link,
        )
    if not confirm:
        raise GuardWarning(
            _(
                "This message seems to contain patients' personal information: %(found)s. "
                "A connection is not the place for it unless it is needed; consider the "
                "patient group. To send it anyway, confirm and send again."
            )
            % {"found": described(matches)},
            matches=matches,
            patient_link=link,
        )
    return matches


def record_confirmed(
    actor: Member, *, space: Space, post_public_id: object, matches: Sequence[Match]
) -> None:
    """Audit that the author confirmed sending what the guard found (kinds only, no text)."""
    if not matches:
        return
    record(
        AuditAction.PERSONAL_INFORMATION_CONFIRMED,
        actor=actor,
        object_type="post",
        object_id=post_public_id,
        detail={
            "space": str(space.public_id),
            "kinds": sorted({m.kind for m in matches}),
            "count": len(matches),
        },
    )
