"""Pages of complete deletion, mounted at /erasure/."""

from django.urls import path

from renkei.erasure import views

app_name = "erasure"

urlpatterns = [
    path("patient-groups/<uuid:space_id>/", views.request_deletion, name="request"),
    path("patient-groups/<uuid:space_id>/withdraw/", views.withdraw, name="withdraw"),
    path("queue/", views.queue, name="queue"),
    path("requests/<uuid:request_id>/", views.execute, name="execute"),
    path("tombstones/", views.tombstones, name="tombstones"),
    path("tombstones/<uuid:space_id>/", views.tombstone, name="tombstone"),
    path("tombstones/<uuid:space_id>/certificate.pdf", views.certificate, name="certificate"),
]
