"""URL configuration: pages and the JSON API; live connections are routed in renkei.asgi."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


# The API first: its requests are the most frequent, and Django tries each pattern in order
# (no page lives under api/).
urlpatterns = [
    path("healthz", healthz),
    path("api/v1/", include("renkei.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("renkei.home.urls")),
    path("", include("renkei.accounts.urls")),
    path("", include("renkei.twofactor.urls")),
    path("", include("renkei.devices.urls")),
    path("", include("renkei.facilities.urls")),
    path("", include("renkei.spaces.urls")),
    path("", include("renkei.timeline.urls")),
    path("", include("renkei.consents.urls")),
    path("", include("renkei.pledges.urls")),
    path("console/", include("renkei.console.urls")),
    path("reports/", include("renkei.reports.urls")),
    path("search/", include("renkei.search.urls")),
    path("notifications/", include("renkei.notifications.urls")),
    path("files/", include("renkei.attachments.urls")),
    path("erasure/", include("renkei.erasure.urls")),
    path("guide/", include("renkei.guide.urls")),
]
