"""Device pages: a member's own devices, and a facility's registry for its facility admins.

Views translate HTTP to the actions and queries of this app and back.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from renkei.accounts.models import Member
from renkei.devices import actions, queries
from renkei.errors import DomainError, NotFound


class RenameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Device name"), max_length=actions.NAME_MAX)


def _viewer(request: HttpRequest) -> Member:
    user = request.user
    if not isinstance(user, Member):  # SignInRequiredMiddleware lets no anonymous caller here
        raise NotFound()
    return user


def _current_device_id(request: HttpRequest) -> int | None:
    session = getattr(request, "user_session", None)
    return getattr(session, "device_id", None)


@require_GET
def own(request: HttpRequest) -> HttpResponse:
    """The member's own devices, with rename and "report lost" (R2.5)."""
    viewer = _viewer(request)
    return render(
        request,
        "devices/own.html",
        {
            "devices": queries.own_devices(viewer),
            "current_id": _current_device_id(request),
            "rename_form": RenameForm(),
        },
    )


@require_POST
def rename(request: HttpRequest, device_id: uuid.UUID) -> HttpResponse:
    viewer = _viewer(request)
    device = queries.access_own_device(viewer, device_id)
    try:
        actions.rename_device(viewer, device_id=device.pk, name=request.POST.get("name", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The device has been renamed."))
    return redirect("devices:own")


@require_POST
def report_own_lost(request: HttpRequest, device_id: uuid.UUID) -> HttpResponse:
    """The owner reports one of their devices lost; if it is this one, they are signed out."""
    viewer = _viewer(request)
    device = queries.access_own_device(viewer, device_id)
    was_current = device.pk == _current_device_id(request)
    try:
        actions.report_device_lost(viewer, device_id=device.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("devices:own")
    if was_current:
        logout(request)
        messages.info(request, _("This device has been reported lost and signed out."))
        return redirect("accounts:sign_in")
    messages.success(
        request, _("The device has been reported lost. Every session on it has ended.")
    )
    return redirect("devices:own")


@require_GET
def facility_registry(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The devices of the facility's staff, for its facility admins (R2.5, R2.10)."""
    viewer = _viewer(request)
    facility = queries.access_managed_facility(viewer, public_id)
    return render(
        request,
        "devices/facility.html",
        {"facility": facility, "devices": queries.facility_devices(viewer, facility)},
    )


def _admin_act(
    request: HttpRequest, public_id: uuid.UUID, device_id: uuid.UUID, *, cut: bool
) -> HttpResponse:
    viewer = _viewer(request)
    facility = queries.access_managed_facility(viewer, public_id)
    device = queries.access_facility_device(viewer, facility, device_id)
    try:
        if cut:
            actions.cut_off_device(viewer, device_id=device.pk)
        else:
            actions.report_device_lost(viewer, device_id=device.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if cut:
            messages.success(request, _("The device has been cut off."))
        else:
            messages.success(
                request, _("The device has been reported lost. Every session on it has ended.")
            )
    return redirect("devices:facility", public_id=facility.public_id)


@require_POST
def facility_report_lost(
    request: HttpRequest, public_id: uuid.UUID, device_id: uuid.UUID
) -> HttpResponse:
    return _admin_act(request, public_id, device_id, cut=False)


@require_POST
def facility_cut_off(
    request: HttpRequest, public_id: uuid.UUID, device_id: uuid.UUID
) -> HttpResponse:
    return _admin_act(request, public_id, device_id, cut=True)
