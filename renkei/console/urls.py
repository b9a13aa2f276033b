"""The secretariat console's pages, mounted at /console/."""

from django.urls import path

from renkei.console import export_views, views

app_name = "console"
urlpatterns = [
    path("", views.index, name="index"),
    path("compliance/<slug:check_id>/", views.compliance_cases, name="compliance"),
    path("applications/", views.applications, name="applications"),
    path("applications/<uuid:public_id>/", views.application, name="application"),
    path("facilities/", views.facilities, name="facilities"),
    path("facilities/<uuid:public_id>/", views.facility, name="facility"),
    path(
        "facilities/<uuid:public_id>/staff/<slug:which>/",
        views.facility_staff,
        name="facility_staff",
    ),
    path("facilities/<uuid:public_id>/withdraw/", views.withdraw, name="withdraw"),
    path("policy/", views.policy, name="policy"),
    path("policy/presets/<slug:key>/", views.apply_policy_preset, name="apply_policy_preset"),
    path("audit/", views.audit, name="audit"),
    path("exports/", export_views.export_list, name="exports"),
    path("exports/<uuid:public_id>/", export_views.export_job, name="export"),
    path("exports/<uuid:public_id>/file/", export_views.export_download, name="export_download"),
]
