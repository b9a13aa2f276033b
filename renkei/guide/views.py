"""The in-app usage guide (R2.7). Public: it holds no member's or patient's data, and a member
who has lost a device or cannot sign in must still be able to read what to do."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from renkei.guide.topics import TOPICS, topic


def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "guide/index.html",
        {
            "everyone": [t for t in TOPICS if not t.for_admins],
            "admins": [t for t in TOPICS if t.for_admins],
        },
    )


def page(request: HttpRequest, slug: str) -> HttpResponse:
    found = topic(slug)
    if found is None:
        raise Http404(slug)
    return render(request, "guide/topic.html", {"topic": found, "topics": TOPICS})
