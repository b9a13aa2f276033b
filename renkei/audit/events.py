"""Audit event types: a numbered enum that only grows. Never renumber or reuse a value."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.IntegerChoices):
    SIGN_IN = 1, _("Signed in")
    SIGN_IN_FAILED = 2, _("Sign-in failed")
    SIGN_OUT = 3, _("Signed out")
    SIGN_OUT_EVERYWHERE = 4, _("Signed out of every device")
    SESSION_EXPIRED = 5, _("Session ended by idle timeout")
    PASSWORD_CHANGED = 6, _("Password changed")
    PASSWORD_RESET_REQUESTED = 7, _("Password reset requested")
    PASSWORD_RESET = 8, _("Password reset")
    ACCOUNT_ACTIVATED = 9, _("Account activated")
    ACTIVATION_SENT = 10, _("Activation link sent")
    SIGN_IN_THROTTLED = 11, _("Sign-in refused: too many failures")

    FACILITY_APPLIED = 20, _("Facility applied to join")
    FACILITY_ACCEPTED = 21, _("Facility accepted")
    FACILITY_REJECTED = 22, _("Facility application rejected")
    FACILITY_LEFT = 23, _("Facility left the network")

    STAFF_REGISTERED = 30, _("Staff registered")
    STAFF_DEREGISTERED = 31, _("Staff deregistered")
    ADMIN_APPOINTED = 32, _("Facility admin appointed")
    ADMIN_REVOKED = 33, _("Facility admin revoked")

    POLICY_CHANGED = 40, _("Regional policy changed")
