"""Serving attachments to the members of their space: never from a public URL.

Every response is private and uncached, its type is not sniffed, and it runs in a sandbox, so a
file can neither be kept by a shared cache nor act as a page of this site.
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from renkei.accounts.models import Member
from renkei.attachments.actions import Gone, OpenedFile, open_attachment
from renkei.errors import NotFound

# Photos and Office files: nothing may run, load or be framed. PDFs open in the browser's
# own viewer, which Chromium and Safari refuse to start in a sandboxed document
# (crbug.com/41131921), so a PDF gets the same policy without the sandbox: it still may load,
# run or submit nothing of this site, and nosniff keeps it a PDF.
CSP_SANDBOX = "default-src 'none'; img-src 'self'; frame-ancestors 'none'; sandbox"
CSP_PDF = (
    "default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; img-src 'self'; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def _viewer(request: HttpRequest) -> Member:
    user = request.user
    if not isinstance(user, Member):  # SignInRequiredMiddleware lets no anonymous caller here
        raise NotFound()
    return user


def _respond(request: HttpRequest, opened: OpenedFile, *, filename: str) -> HttpResponse:
    response = HttpResponse(opened.data, content_type=opened.content_type)
    response["Content-Length"] = str(len(opened.data))
    disposition = content_disposition_header(opened.as_download, filename)
    response["Content-Disposition"] = disposition or (
        "attachment" if opened.as_download else "inline"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = (
        CSP_PDF
        if opened.content_type == "application/pdf" and not opened.as_download
        else CSP_SANDBOX
    )
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _gone(request: HttpRequest, exc: Gone) -> HttpResponse:
    return render(request, "attachments/gone.html", {"message": exc.message}, status=410)


@require_GET
def download(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """An attachment: photos and PDFs open in the browser (``?download=1`` saves them),
    Office documents are saved. Members of its space only."""
    try:
        opened = open_attachment(
            _viewer(request), public_id=public_id, download=request.GET.get("download") == "1"
        )
    except Gone as exc:
        return _gone(request, exc)
    return _respond(request, opened, filename=opened.attachment.name)


@require_GET
def thumbnail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A photo's small preview (JPEG). Members of its space only."""
    try:
        opened = open_attachment(_viewer(request), public_id=public_id, thumbnail=True)
    except Gone as exc:
        return _gone(request, exc)
    stem = opened.attachment.name.rsplit(".", 1)[0]
    return _respond(request, opened, filename=f"{stem}-thumbnail.jpg")
