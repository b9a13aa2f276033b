"""The home page and help: translation of requests to queries, nothing more."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from renkei.facilities.queries import my_affiliations


def home(request: HttpRequest) -> HttpResponse:
    member = request.user
    return render(
        request,
        "home/home.html",
        {"affiliations": my_affiliations(member)},  # type: ignore[arg-type]
    )


def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "home/help.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token: say so in the user's language, change nothing."""
    return render(request, "403_csrf.html", status=403)
