"""Pages of complete deletion (R3.5): the admins' request, the operator's queue and execution
with a confirm step, and the tombstone with its certificate.

Views translate HTTP to renkei.erasure's actions and queries; who may do what is decided
there. The queue and execution answer 404 to everyone but the operator.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renkei.accounts.models import Member
from renkei.accounts.reauth import require_recent_auth
from renkei.erasure import actions, queries
from renkei.erasure.forms import DeletionRequestForm, ExecuteForm
from renkei.erasure.labels import count_rows
from renkei.errors import DomainError, NotFound, ValidationFailed


def _viewer(request: HttpRequest) -> Member:
    user = request.user
    if not isinstance(user, Member):  # SignInRequiredMiddleware lets no anonymous caller here
        raise NotFound()
    return user


def _add_errors(form: DeletionRequestForm | ExecuteForm, errors: dict[str, list[str]]) -> None:
    for key, msgs in errors.items():
        for msg in msgs:
            form.add_error(key if key in form.fields else None, msg)


@require_http_methods(["GET", "POST"])
@require_recent_auth
def request_deletion(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    """Record the patient's or family's request for complete deletion, or show the open one."""
    viewer = _viewer(request)
    space = queries.deletion_target(viewer, space_id)
    form = DeletionRequestForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        try:
            actions.request_deletion(viewer, space_id=space.pk, **form.values())
        except ValidationFailed as exc:
            _add_errors(form, exc.errors)
            status = 422
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("erasure:request", space_id=space.public_id)
        else:
            messages.success(request, _("The request was recorded and sent to the operator."))
            return redirect("erasure:request", space_id=space.public_id)
    return render(
        request,
        "erasure/request.html",
        {"space": space, "open_request": queries.open_request(viewer, space), "form": form},
        status=status,
    )


@require_POST
def withdraw(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    """Withdraw the open request before the operator executes it."""
    viewer = _viewer(request)
    space = queries.deletion_target(viewer, space_id)
    open_request = queries.open_request(viewer, space)
    if open_request is None:
        raise NotFound()
    try:
        actions.withdraw_deletion_request(viewer, request_id=open_request.pk)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The request was withdrawn."))
    return redirect("erasure:request", space_id=space.public_id)


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The operator's queue of open requests, oldest first, and the latest deletions."""
    viewer = _viewer(request)
    pending = list(queries.pending_requests(viewer))
    done = list(queries.my_tombstones(viewer)[:20])
    return render(request, "erasure/queue.html", {"pending": pending, "done": done})


@require_http_methods(["GET", "POST"])
@require_recent_auth
def execute(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """Confirm, then execute one request (the operator, not the person who recorded it)."""
    viewer = _viewer(request)
    deletion = queries.access_request(viewer, request_id)
    form = ExecuteForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                tombstone = actions.execute_deletion(viewer, request_id=deletion.pk)
            except NotFound:
                raise
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = 409
            else:
                messages.success(request, _("The patient group was completely deleted."))
                return redirect("erasure:tombstone", space_id=tombstone.space_public_id)
        else:
            status = 422
    return render(
        request,
        "erasure/execute.html",
        {
            "deletion": deletion,
            "form": form,
            "same_person": deletion.recorded_by_id == viewer.pk,
        },
        status=status,
    )


@require_GET
def tombstones(request: HttpRequest) -> HttpResponse:
    """The completed deletions the viewer may read."""
    viewer = _viewer(request)
    return render(
        request, "erasure/tombstones.html", {"tombstones": list(queries.my_tombstones(viewer))}
    )


@require_GET
def tombstone(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    """What remains of a deleted patient group: facts and counts, and the certificate."""
    viewer = _viewer(request)
    found = queries.access_tombstone(viewer, space_id)
    return render(
        request,
        "erasure/tombstone.html",
        {"tombstone": found, "counts": count_rows(found.counts)},
    )


@require_GET
def certificate(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    """The deletion certificate as a PDF."""
    viewer = _viewer(request)
    found = queries.access_tombstone(viewer, space_id)
    data = actions.issue_certificate(viewer, tombstone=found)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="deletion-certificate-{found.space_public_id}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
