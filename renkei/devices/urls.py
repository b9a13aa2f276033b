"""Device pages: one's own devices and each facility's registry."""

from django.urls import path

from renkei.devices import views

app_name = "devices"

_facility = "facilities/<uuid:public_id>/devices/"

urlpatterns = [
    path("account/devices/", views.own, name="own"),
    path("account/devices/<uuid:device_id>/rename/", views.rename, name="rename"),
    path("account/devices/<uuid:device_id>/lost/", views.report_own_lost, name="report_own_lost"),
    path(_facility, views.facility_registry, name="facility"),
    path(_facility + "<uuid:device_id>/lost/", views.facility_report_lost, name="facility_lost"),
    path(_facility + "<uuid:device_id>/cut-off/", views.facility_cut_off, name="facility_cut_off"),
]
