"""Pages of facilities: the public application and each facility's console."""

from django.urls import path

from renkei.facilities import invitations, views

app_name = "facilities"

_facility = "facilities/<uuid:public_id>/"
_member = _facility + "members/<uuid:member_public_id>/"
_staff_in_space = _facility + "spaces/<uuid:space_id>/members/<uuid:member_id>/"

urlpatterns = [
    path("apply/", views.apply, name="apply"),
    path("apply/done/", views.apply_done, name="apply_done"),
    path(_facility, views.detail, name="detail"),
    path(_facility + "staff/", views.register_staff, name="register_staff"),
    path(_facility + "withdraw/", views.withdraw, name="withdraw"),
    path(_facility + "audit/", views.audit, name="audit"),
    path(_facility + "invitations/", invitations.invitations, name="invitations"),
    path(_staff_in_space + "approve/", invitations.approve, name="approve_invitation"),
    path(_staff_in_space + "decline/", invitations.decline, name="decline_invitation"),
    path(_staff_in_space + "remove/", invitations.remove, name="remove_from_space"),
    path(_member, views.member, name="member"),
    path(_member + "deregister/", views.deregister, name="deregister"),
    path(_member + "activation/", views.resend_activation, name="resend_activation"),
    path(_member + "admin/appoint/", views.appoint_admin, name="appoint_admin"),
    path(_member + "admin/revoke/", views.revoke_admin, name="revoke_admin"),
]
