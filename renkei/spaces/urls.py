"""Pages of the care spaces: the list, creating spaces, a space and its members."""

from django.urls import path

from renkei.spaces import views

app_name = "spaces"

_space = "spaces/<uuid:space_id>/"

urlpatterns = [
    path("spaces/", views.space_list, name="list"),
    path("spaces/groups/new/", views.new_group, name="new_group"),
    path("spaces/patients/new/", views.new_patient_group, name="new_patient_group"),
    path("spaces/connections/request/", views.request_connection, name="request_connection"),
    path(_space, views.space, name="space"),
    path(_space + "accept/", views.accept_connection, name="accept_connection"),
    path(_space + "decline/", views.decline_connection, name="decline_connection"),
    path(_space + "members/", views.members, name="members"),
    path(_space + "members/add/", views.add_members, name="add_members"),
    path(_space + "members/<uuid:member_id>/remove/", views.remove_member, name="remove_member"),
    path(
        _space + "members/<uuid:member_id>/admin/appoint/",
        views.appoint_admin,
        name="appoint_admin",
    ),
    path(
        _space + "members/<uuid:member_id>/admin/revoke/", views.revoke_admin, name="revoke_admin"
    ),
    path(_space + "archive/", views.archive, name="archive"),
    path(_space + "restore/", views.restore, name="restore"),
    path(_space + "rename/", views.rename, name="rename"),
    path(_space + "leave/", views.leave, name="leave"),
    path(_space + "patient/", views.patient_record, name="patient_record"),
]
