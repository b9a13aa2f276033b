"""The member's pages of the care spaces: the list (patient list, groups, connections), creating
a group or a patient group, a space's page with its timeline, and its members.

Views translate HTTP to the actions and queries of the spaces and the timeline and back;
permission checks and the rules live in ``renkei.authz`` and the actions (R2.6, R3.1).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renkei import authz
from renkei.accounts.models import Member
from renkei.accounts.reauth import require_recent_auth
from renkei.errors import DomainError, NotFound, ValidationFailed
from renkei.facilities.queries import my_affiliations
from renkei.policy.queries import current_policy
from renkei.spaces import actions, queries
from renkei.spaces.forms import (
    GroupNameForm,
    MemberSearchForm,
    NewPatientGroupForm,
    PatientForm,
    picked_ids,
)
from renkei.spaces.models import Membership, MembershipState, Space, SpaceKind, SpaceState
from renkei.timeline import queries as timeline_queries
from renkei.timeline.actions import mark_read
from renkei.timeline.forms import PostForm

TABS = {
    "patients": SpaceKind.PATIENT_GROUP,
    "groups": SpaceKind.GROUP,
    "connections": SpaceKind.CONNECTION,
}
TAB_OF_KIND = {kind: tab for tab, kind in TABS.items()}
ARCHIVE_TAB = "archive"


def tab_of(space: Space) -> str:
    """The tab of the list a space is found in: an archived patient group is in the archive."""
    if space.state == SpaceState.ARCHIVED:
        return ARCHIVE_TAB
    return TAB_OF_KIND[SpaceKind(space.kind)]


def viewer_of(request: HttpRequest) -> Member:
    user = request.user
    if not isinstance(user, Member):  # SignInRequiredMiddleware lets no anonymous caller here
        raise NotFound()
    return user


def add_errors(form: forms.Form, errors: dict[str, list[str]]) -> None:
    """Put an action's field errors next to their fields; others go to the top of the form."""
    for key, msgs in errors.items():
        if key in form.errors:
            continue
        for msg in msgs:
            form.add_error(key if key in form.fields else None, msg)


def age_on(birth_date: date, today: date) -> int:
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


# The space list ------------------------------------------------------------------------------


@dataclass
class ConnectionRow:
    membership: Membership
    partner: Member | None
    waiting_for_me: bool
    waiting_for_them: bool
    declined: bool


@require_GET
def space_list(request: HttpRequest) -> HttpResponse:
    """The member's spaces, in three tabs as members know them (R2.6), with unread counts."""
    viewer = viewer_of(request)
    tab = request.GET.get("tab", "patients")
    if tab not in TABS and tab != ARCHIVE_TAB:
        tab = "patients"
    if tab == ARCHIVE_TAB:
        # R3.5: archived patient groups leave the patient list for the archive (保管者リスト).
        rows = list(
            queries.my_spaces(viewer, kind=SpaceKind.PATIENT_GROUP, states=(SpaceState.ARCHIVED,))
        )
    else:
        rows = list(queries.my_spaces(viewer, kind=TABS[tab]))
    totals = queries.unread_totals(viewer)
    context: dict[str, Any] = {
        "tab": tab,
        "tabs": [
            ("patients", _("Patient list"), totals[SpaceKind.PATIENT_GROUP]),
            ("groups", _("Groups"), totals[SpaceKind.GROUP]),
            ("connections", _("Connections"), totals[SpaceKind.CONNECTION]),
            (ARCHIVE_TAB, _("Archive"), 0),
        ],
    }
    if tab in ("patients", ARCHIVE_TAB):
        today = timezone.localdate()
        for row in rows:
            patient = getattr(row.space, "patient", None)
            row.age = age_on(patient.birth_date, today) if patient else None  # type: ignore[attr-defined]
        context["rows"] = [r for r in rows if r.state == MembershipState.ACTIVE]
    elif tab == "groups":
        context["rows"] = [r for r in rows if r.state == MembershipState.ACTIVE]
    else:
        others = queries.connection_others(viewer, rows)
        connections = []
        for row in rows:
            other = others.get(row.space_id)
            connections.append(
                ConnectionRow(
                    membership=row,
                    partner=other.member if other else None,
                    waiting_for_me=row.state == MembershipState.INVITED,
                    waiting_for_them=bool(other and other.state == MembershipState.INVITED),
                    declined=bool(other and other.state == MembershipState.DECLINED),
                )
            )
        context["requests"] = [c for c in connections if c.waiting_for_me]
        context["rows"] = [c for c in connections if not c.waiting_for_me]
        search = MemberSearchForm(request.GET if "q" in request.GET else None)
        context["search"] = search
        query = search.query()
        context["query"] = query
        context["candidates"] = list(queries.candidates(viewer, query)) if query else []
    return render(request, "spaces/list.html", context)


def _list_url(tab: str) -> str:
    return reverse("spaces:list") + f"?tab={tab}"


# Creating a group ----------------------------------------------------------------------------


def _picker(
    request: HttpRequest, viewer: Member, *, exclude: set[int] | None = None
) -> dict[str, Any]:
    """The member picker: those already ticked (kept across searches) and the search results."""
    data = request.POST if request.method == "POST" else request.GET
    search = MemberSearchForm(data if "q" in data else None)
    query = search.query()
    picked: list[Member] = []
    try:
        picked = queries.members_by_public_id(viewer, picked_ids(data))
    except ValidationFailed:
        picked = []
    picked_pks = {m.pk for m in picked}
    found = [
        m
        for m in (queries.candidates(viewer, query) if query else [])
        if m.pk not in picked_pks and m.pk not in (exclude or set())
    ]
    return {"search": search, "query": query, "picked": picked, "found": found}


@require_http_methods(["GET", "POST"])
def new_group(request: HttpRequest) -> HttpResponse:
    """Create a group: any member names it and picks members of any profession (R2.6)."""
    viewer = viewer_of(request)
    form = GroupNameForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and "create" in request.POST:
        try:
            members = queries.members_by_public_id(viewer, picked_ids(request.POST))
            space = actions.create_group(
                viewer, name=form.name_value(), member_ids=[m.pk for m in members]
            )
        except ValidationFailed as exc:
            add_errors(form, exc.errors)
            status = 422
        else:
            messages.success(request, _("The group was created."))
            return redirect("spaces:space", space_id=space.public_id)
    elif request.method == "POST":
        form = GroupNameForm(request.POST)  # a search: show the name again, unjudged
        form.is_valid()
        form.errors.clear()
    return render(
        request,
        "spaces/new_group.html",
        {"form": form, **_picker(request, viewer, exclude={viewer.pk})},
        status=status,
    )


# Creating a patient group --------------------------------------------------------------------


def _lead_facilities(viewer: Member) -> list[tuple[str, str]]:
    return [
        (str(a.facility.public_id), a.facility.name)
        for a in my_affiliations(viewer)
        if a.facility.is_active
    ]


@require_http_methods(["GET", "POST"])
def new_patient_group(request: HttpRequest) -> HttpResponse:
    """Create a patient group for one patient, led by one of the member's facilities (R3.1)."""
    viewer = viewer_of(request)
    facilities = _lead_facilities(viewer)
    form = NewPatientGroupForm(
        request.POST if request.method == "POST" else None, facilities=facilities
    )
    status = 200
    if request.method == "POST" and facilities:
        chosen = form.facility_public_id()
        facility_pk = next(
            (
                a.facility_id
                for a in my_affiliations(viewer)
                if str(a.facility.public_id) == chosen and a.facility.is_active
            ),
            None,
        )
        if facility_pk is None:
            form.add_error("facility", _("Choose one of your facilities."))
            status = 422
        else:
            try:
                space = actions.create_patient_group(
                    viewer, facility_id=facility_pk, patient=form.patient()
                )
            except ValidationFailed as exc:
                add_errors(form, exc.errors)
                status = 422
            else:
                messages.success(request, _("The patient group was created."))
                return redirect("spaces:space", space_id=space.public_id)
    return render(
        request,
        "spaces/new_patient_group.html",
        {"form": form, "facilities": facilities},
        status=status,
    )


# Connections ---------------------------------------------------------------------------------


def _run(request: HttpRequest, run: Any, done: str) -> bool:
    """Run one action; report its refusal or success as a message. NotFound stays a 404."""
    try:
        run()
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, done)
    return True


@require_POST
def request_connection(request: HttpRequest) -> HttpResponse:
    """Ask another member for a one-to-one connection (R2.6)."""
    viewer = viewer_of(request)
    ids = picked_ids(request.POST, "member")
    if len(ids) != 1:
        messages.error(request, _("Choose the member to connect with."))
        return redirect(_list_url("connections"))

    def run() -> None:
        (other,) = queries.members_by_public_id(viewer, ids, field="member")
        actions.request_connection(viewer, member_id=other.pk)

    _run(request, run, _("Your request was sent. The connection opens when it is accepted."))
    return redirect(_list_url("connections"))


@require_POST
def accept_connection(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    viewer = viewer_of(request)
    space = queries.connection_request(viewer, space_id)
    if _run(
        request,
        lambda: actions.accept_connection(viewer, space_id=space.pk),
        _("The connection is open."),
    ):
        return redirect("spaces:space", space_id=space.public_id)
    return redirect(_list_url("connections"))


@require_POST
def decline_connection(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    viewer = viewer_of(request)
    space = queries.connection_request(viewer, space_id)
    _run(
        request,
        lambda: actions.decline_connection(viewer, space_id=space.pk),
        _("The request was declined."),
    )
    return redirect(_list_url("connections"))


# A space's page ------------------------------------------------------------------------------


def _parse_cursor(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound() from None


def space_title(space: Space, partner: Member | None = None) -> str:
    if space.kind == SpaceKind.PATIENT_GROUP:
        patient = getattr(space, "patient", None)
        return patient.name if patient else _("Patient group")
    if space.kind == SpaceKind.CONNECTION:
        return partner.name if partner else _("Connection")
    return space.name


def render_space(
    request: HttpRequest,
    viewer: Member,
    access: queries.SpaceAccess,
    *,
    post_form: PostForm | None = None,
    status: int = 200,
    mark: bool = True,
) -> HttpResponse:
    """The space's page: its header, members, the post form and one page of its timeline.

    A first page marks the space read up to the newest post there was when it was read.
    """
    from renkei.timeline.views import post_rows, script_config

    space, membership = access.space, access.membership
    newest_at_open = space.last_post_id
    before_public_id = _parse_cursor(request.GET.get("before"))
    before = None
    if before_public_id is not None:
        cursor = timeline_queries.access_post(viewer, before_public_id)
        if cursor.space_id != space.pk:
            raise NotFound()
        before = cursor.pk
    roster = list(queries.member_roster(viewer, space))
    page = timeline_queries.timeline_page(viewer, space, before=before, access=access)
    partner = next((m.member for m in roster if m.member_id != viewer.pk), None)
    others = [m for m in roster if m.member_id != viewer.pk]
    policy = current_policy()
    if post_form is None:
        post_form = PostForm(
            ack_choices=[(str(m.member.public_id), m.member.name) for m in others],
            max_chars=policy.post_max_chars,
        )
    rows = post_rows(viewer, membership, page.posts)
    next_before = (
        str(page.posts[-1].post.public_id) if page.next_before is not None and page.posts else None
    )
    if mark and before is None and newest_at_open > membership.last_read_post_id:
        mark_read(viewer, space_id=space.pk, up_to_post_id=newest_at_open)
    is_connection = space.kind == SpaceKind.CONNECTION
    context = {
        "space": space,
        "membership": membership,
        "title": space_title(space, partner if is_connection else None),
        "patient": getattr(space, "patient", None)
        if space.kind == SpaceKind.PATIENT_GROUP
        else None,
        "partner": partner if is_connection else None,
        "roster": roster,
        "others": others,
        "rows": rows,
        "next_before": next_before,
        "is_first_page": before is None,
        "member_count": page.member_count,
        "post_form": post_form,
        "can_post": authz.may_post(space, membership),
        "can_manage": _may_manage(viewer, space, membership),
        "can_edit_record": authz.may_edit_patient_record(space, membership),
        "tab": tab_of(space),
        "live_config": script_config(
            viewer,
            space,
            mode="timeline",
            first_page=before is None,
            newest=timeline_queries.newest_post_public_id(viewer, space, up_to=newest_at_open),
            can_post=authz.may_post(space, membership),
            is_admin=membership.is_admin,
        ),
        "age": age_on(space.patient.birth_date, timezone.localdate())
        if space.kind == SpaceKind.PATIENT_GROUP and getattr(space, "patient", None)
        else None,
    }
    return render(request, "spaces/space.html", context, status=status)


def _may_manage(viewer: Member, space: Space, membership: Membership | None) -> bool:
    if space.kind == SpaceKind.GROUP:
        return authz.may_manage_group_members(space, membership)
    if space.kind == SpaceKind.PATIENT_GROUP:
        return authz.may_invite_to_patient_group(viewer, space, membership)
    return False


@require_GET
def space(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    """A space's page; 404 for anyone who is not an active member of it."""
    viewer = viewer_of(request)
    access = queries.access_space(viewer, space_id)
    return render_space(request, viewer, access)


# Members -------------------------------------------------------------------------------------


def _members_page(
    request: HttpRequest,
    viewer: Member,
    access: queries.ManagedSpace,
    *,
    rename_form: GroupNameForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The members of a group or patient group; for a facility admin of a patient group's lead
    facility who is not a member, its roster and management only, never its posts (R3.1)."""
    space, membership = access.space, access.membership
    if space.kind == SpaceKind.CONNECTION:
        raise NotFound()
    roster = list(queries.member_roster(viewer, space))
    can_manage = _may_manage(viewer, space, membership)
    is_patient_group = space.kind == SpaceKind.PATIENT_GROUP
    pending = list(queries.pending_members(viewer, space))
    in_space = {m.member_id for m in roster} | {m.member_id for m in pending}
    return render(
        request,
        "spaces/members.html",
        {
            "space": space,
            "membership": membership,
            "title": space_title(space),
            "roster": roster,
            "pending": pending,
            "can_manage": can_manage,
            "can_remove": can_manage,
            "can_manage_admins": is_patient_group
            and authz.may_manage_patient_group(viewer, space, membership),
            "can_archive": is_patient_group and authz.may_archive_patient_group(space, membership),
            "can_read": membership is not None,
            "can_rename": space.kind == SpaceKind.GROUP
            and authz.may_manage_group_members(space, membership),
            "can_leave": authz.may_read_space(membership),
            "rename_form": rename_form or GroupNameForm(initial={"name": space.name}),
            **(_picker(request, viewer, exclude=in_space) if can_manage else {}),
        },
        status=status,
    )


@require_GET
def members(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    """The members of a group or patient group, and for those who may: add, remove, rename,
    appoint patient group admins, archive."""
    viewer = viewer_of(request)
    return _members_page(request, viewer, queries.access_members_page(viewer, space_id))


def invited_messages(request: HttpRequest, invited: actions.Invited) -> None:
    """Say who joined and who waits for their own facility's approval (R2.10)."""
    if invited.added or not invited.pending:
        messages.success(request, _("The members were added."))
    if invited.pending:
        messages.info(
            request,
            _("%(names)s will join once an admin of their own facility approves the invitation.")
            % {"names": "、".join(m.name for m in invited.pending)},
        )


@require_POST
def add_members(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    """Add members to a group (R2.6: any member) or invite to a patient group (R3.1: the lead
    facility's admins and its patient group admins); members of another facility wait for
    their facility's approval (R2.10)."""
    viewer = viewer_of(request)
    access = queries.access_members_page(viewer, space_id)
    space = access.space
    if "search" in request.POST:
        return _members_page(request, viewer, access)
    try:
        chosen = queries.members_by_public_id(viewer, picked_ids(request.POST))
        ids = [m.pk for m in chosen]
        if space.kind == SpaceKind.GROUP:
            invited = actions.add_group_members(viewer, space_id=space.pk, member_ids=ids)
        elif space.kind == SpaceKind.PATIENT_GROUP:
            invited = actions.invite_to_patient_group(viewer, space_id=space.pk, member_ids=ids)
        else:
            raise NotFound()
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        invited_messages(request, invited)
    return redirect("spaces:members", space_id=space.public_id)


def _target(viewer: Member, space: Space, member_id: uuid.UUID) -> Membership:
    """A member of the space (active or waiting for approval), named by public id."""
    rows = list(queries.member_roster(viewer, space)) + list(queries.pending_members(viewer, space))
    target = next((m for m in rows if m.member.public_id == member_id), None)
    if target is None:
        raise NotFound()
    return target


@require_POST
def remove_member(request: HttpRequest, space_id: uuid.UUID, member_id: uuid.UUID) -> HttpResponse:
    """Remove a member or withdraw a waiting invitation (R2.6 in a group; in a patient group the
    lead facility's admins and its patient group admins, R3.1)."""
    viewer = viewer_of(request)
    space = queries.access_members_page(viewer, space_id).space
    target = _target(viewer, space, member_id)
    _run(
        request,
        lambda: actions.remove_member(viewer, space_id=space.pk, member_id=target.member_id),
        _("%(name)s was removed from this space.") % {"name": target.member.name},
    )
    return redirect("spaces:members", space_id=space.public_id)


@require_POST
@require_recent_auth
def appoint_admin(request: HttpRequest, space_id: uuid.UUID, member_id: uuid.UUID) -> HttpResponse:
    """Appoint a patient group admin (R3.4)."""
    viewer = viewer_of(request)
    space = queries.access_members_page(viewer, space_id).space
    target = _target(viewer, space, member_id)
    _run(
        request,
        lambda: actions.appoint_patient_group_admin(
            viewer, space_id=space.pk, member_id=target.member_id
        ),
        _("%(name)s is now a patient group admin.") % {"name": target.member.name},
    )
    return redirect("spaces:members", space_id=space.public_id)


@require_POST
@require_recent_auth
def revoke_admin(request: HttpRequest, space_id: uuid.UUID, member_id: uuid.UUID) -> HttpResponse:
    """Take the patient group admin role from a member; never from the last one (R3.4)."""
    viewer = viewer_of(request)
    space = queries.access_members_page(viewer, space_id).space
    target = _target(viewer, space, member_id)
    _run(
        request,
        lambda: actions.revoke_patient_group_admin(
            viewer, space_id=space.pk, member_id=target.member_id
        ),
        _("%(name)s is no longer a patient group admin.") % {"name": target.member.name},
    )
    return redirect("spaces:members", space_id=space.public_id)


@require_POST
def archive(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    """Move a patient group to the archive (R3.5: its patient group admin)."""
    viewer = viewer_of(request)
    space = queries.access_space(viewer, space_id).space
    if space.kind != SpaceKind.PATIENT_GROUP:
        raise NotFound()
    _run(
        request,
        lambda: actions.archive_patient_group(viewer, space_id=space.pk),
        _(
            "The patient group was moved to the archive. It stays readable and nothing can be "
            "written in it."
        ),
    )
    return redirect("spaces:space", space_id=space.public_id)


@require_POST
def restore(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    """Bring a patient group back from the archive (R3.5: its patient group admin)."""
    viewer = viewer_of(request)
    space = queries.access_space(viewer, space_id).space
    if space.kind != SpaceKind.PATIENT_GROUP:
        raise NotFound()
    _run(
        request,
        lambda: actions.restore_patient_group(viewer, space_id=space.pk),
        _("The patient group is back in the patient list."),
    )
    return redirect("spaces:space", space_id=space.public_id)


@require_POST
def rename(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    """Rename a group (R2.6: any of its members)."""
    viewer = viewer_of(request)
    access = queries.access_space(viewer, space_id)
    form = GroupNameForm(request.POST)
    try:
        actions.rename_group(viewer, space_id=access.space.pk, name=form.name_value())
    except ValidationFailed as exc:
        add_errors(form, exc.errors)
        return _members_page(
            request,
            viewer,
            queries.ManagedSpace(space=access.space, membership=access.membership),
            rename_form=form,
            status=422,
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The group was renamed."))
    return redirect("spaces:members", space_id=access.space.public_id)


@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    """Confirm, then leave a group or a patient group."""
    viewer = viewer_of(request)
    access = queries.access_space(viewer, space_id)
    space = access.space
    if space.kind == SpaceKind.CONNECTION:
        raise NotFound()
    if request.method == "POST":
        if _run(
            request,
            lambda: actions.leave_space(viewer, space_id=space.pk),
            _("You left %(name)s.") % {"name": space_title(space)},
        ):
            return redirect(_list_url(tab_of(space)))
        return redirect("spaces:members", space_id=space.public_id)
    return render(request, "spaces/leave.html", {"space": space, "title": space_title(space)})


# The patient record --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def patient_record(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    """Change the patient record of a patient group (R3.5: its patient group admin)."""
    viewer = viewer_of(request)
    access = queries.access_space(viewer, space_id)
    space, membership = access.space, access.membership
    if space.kind != SpaceKind.PATIENT_GROUP:
        raise NotFound()
    if not authz.may_edit_patient_record(space, membership):
        messages.error(request, _("Only a patient group admin can change the patient record."))
        return redirect("spaces:space", space_id=space.public_id)
    record = space.patient
    status = 200
    if request.method == "POST":
        form = PatientForm(request.POST)
        try:
            actions.update_patient_record(viewer, space_id=space.pk, patient=form.patient())
        except ValidationFailed as exc:
            add_errors(form, exc.errors)
            status = 422
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("spaces:space", space_id=space.public_id)
        else:
            messages.success(request, _("The patient record was saved."))
            return redirect("spaces:space", space_id=space.public_id)
    else:
        form = PatientForm(
            initial={
                field: getattr(record, field)
                for field in (
                    "name",
                    "furigana",
                    "birth_date",
                    "sex",
                    "address",
                    "phone",
                    "key_person",
                    "care_level",
                    "primary_doctor",
                )
            }
        )
    return render(
        request,
        "spaces/patient_record.html",
        {"space": space, "form": form, "title": space_title(space)},
        status=status,
    )
