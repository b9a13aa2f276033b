"""Problem reports, mounted at /reports/."""

from django.urls import path

from renkei.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("inbox/", views.inbox, name="inbox"),
    path("facility/<uuid:public_id>/new/", views.new_for_facility, name="new_for_facility"),
    path("patient-group/<uuid:public_id>/new/", views.new_for_patient_group, name="new_for_space"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/comment/", views.comment, name="comment"),
    path("<uuid:public_id>/status/", views.status, name="status"),
]
