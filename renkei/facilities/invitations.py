"""The facility admin's page of its staff in care spaces (R2.10, R3.1): invitations from other
facilities waiting for approval, the patient groups the facility leads, and the spaces its staff
are in, each with the admin's decisions. The admin reads no post of any of them."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from renkei.accounts.models import Member
from renkei.errors import DomainError, NotFound
from renkei.facilities import queries as facility_queries
from renkei.facilities.models import Facility
from renkei.spaces import actions as space_actions
from renkei.spaces import queries as space_queries
from renkei.spaces.models import Membership, SpaceKind


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional, shown to the inviter)"),
        required=False,
        max_length=space_actions.DECLINE_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _admin_facility(request: HttpRequest, public_id: uuid.UUID) -> tuple[Member, Facility]:
    viewer = request.user
    if not isinstance(viewer, Member):  # SignInRequiredMiddleware lets no anonymous caller here
        raise NotFound()
    facility = facility_queries.access_facility(viewer, public_id)
    return viewer, facility


def space_label(membership: Membership) -> str:
    """How the admin recognises a space: a patient group by its patient and lead facility."""
    space = membership.space
    if space.kind == SpaceKind.PATIENT_GROUP:
        patient = getattr(space, "patient", None)
        lead = space.lead_facility.name if space.lead_facility else ""
        return _("Patient group of %(patient)s (lead facility: %(lead)s)") % {
            "patient": patient.name if patient else "—",
            "lead": lead,
        }
    return _("Group: %(name)s") % {"name": space.name}


@require_GET
def invitations(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The queue of the facility's staff invited from other facilities (R2.10), the patient
    groups it leads (R3.1) and its staff's spaces; for its facility admins only."""
    viewer, facility = _admin_facility(request, public_id)
    pending = list(space_queries.pending_invitations(viewer, facility))
    in_spaces = list(space_queries.staff_in_spaces(viewer, facility))
    led = list(space_queries.led_patient_groups(viewer, facility))
    for row in (*pending, *in_spaces):
        row.label = space_label(row)  # type: ignore[attr-defined]
    return render(
        request,
        "facilities/invitations.html",
        {
            "facility": facility,
            "pending": pending,
            "in_spaces": in_spaces,
            "led": led,
            "decline_form": DeclineForm(),
        },
    )


def _decide(
    request: HttpRequest,
    public_id: uuid.UUID,
    space_id: uuid.UUID,
    member_id: uuid.UUID,
    run: Callable[[Member, Facility, Membership], str],
) -> HttpResponse:
    viewer, facility = _admin_facility(request, public_id)
    row = space_queries.staff_member_in_space(viewer, facility, space_id, member_id)
    try:
        done = run(viewer, facility, row)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("facilities:invitations", public_id=facility.public_id)


@require_POST
def approve(
    request: HttpRequest, public_id: uuid.UUID, space_id: uuid.UUID, member_id: uuid.UUID
) -> HttpResponse:
    """Approve an invitation of one of the facility's staff (R2.10)."""

    def run(viewer: Member, facility: Facility, row: Membership) -> str:
        space_actions.approve_invitation(
            viewer, facility_id=facility.pk, space_id=row.space_id, member_id=row.member_id
        )
        return _("%(name)s can now take part.") % {"name": row.member.name}

    return _decide(request, public_id, space_id, member_id, run)


@require_POST
def decline(
    request: HttpRequest, public_id: uuid.UUID, space_id: uuid.UUID, member_id: uuid.UUID
) -> HttpResponse:
    """Decline an invitation of one of the facility's staff, with an optional reason (R2.10)."""
    reason = str(request.POST.get("reason", ""))

    def run(viewer: Member, facility: Facility, row: Membership) -> str:
        space_actions.decline_invitation(
            viewer,
            facility_id=facility.pk,
            space_id=row.space_id,
            member_id=row.member_id,
            reason=reason,
        )
        return _("The invitation of %(name)s was declined.") % {"name": row.member.name}

    return _decide(request, public_id, space_id, member_id, run)


@require_POST
def remove(
    request: HttpRequest, public_id: uuid.UUID, space_id: uuid.UUID, member_id: uuid.UUID
) -> HttpResponse:
    """Take one of the facility's staff out of a space (R2.10), without reading it."""

    def run(viewer: Member, facility: Facility, row: Membership) -> str:
        space_actions.remove_staff_from_space(
            viewer, facility_id=facility.pk, space_id=row.space_id, member_id=row.member_id
        )
        return _("%(name)s was taken out of the space.") % {"name": row.member.name}

    return _decide(request, public_id, space_id, member_id, run)
