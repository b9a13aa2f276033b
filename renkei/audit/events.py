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

    SPACE_CREATED = 50, _("Space created")
    SPACE_MEMBER_ADDED = 51, _("Member added to a space")
    SPACE_MEMBER_REMOVED = 52, _("Member removed from a space")
    SPACE_LEFT = 53, _("Member left a space")
    CONNECTION_REQUESTED = 54, _("Connection requested")
    CONNECTION_ACCEPTED = 55, _("Connection accepted")
    CONNECTION_DECLINED = 56, _("Connection declined")
    PATIENT_RECORD_UPDATED = 57, _("Patient record updated")
    SPACE_RENAMED = 58, _("Group renamed")

    POST_CREATED = 60, _("Post written")
    POST_EDITED = 61, _("Post edited")
    POST_DELETED = 62, _("Post deleted")
    POST_ACKNOWLEDGED = 63, _("Post acknowledged")
    ATTACHMENT_VIEWED = 64, _("Attachment viewed")
    ATTACHMENT_DOWNLOADED = 65, _("Attachment downloaded")

    INVITATION_PENDING = 70, _("Invitation waits for the facility's approval")
    INVITATION_APPROVED = 71, _("Invitation approved by the member's facility")
    INVITATION_DECLINED = 72, _("Invitation declined by the member's facility")
    SPACE_MEMBER_REMOVED_BY_FACILITY = 73, _("Member removed from a space by their facility")
    SPACE_LEFT_WITH_FACILITY = 74, _("Member left a space on leaving the facility")
    PATIENT_GROUP_ADMIN_APPOINTED = 75, _("Patient group admin appointed")
    PATIENT_GROUP_ADMIN_REVOKED = 76, _("Patient group admin revoked")
    PATIENT_GROUP_ARCHIVED = 77, _("Patient group archived")
    PATIENT_GROUP_RESTORED = 78, _("Patient group restored from the archive")

    CONSENT_RECORDED = 80, _("Consent recorded")
    CONSENT_WITHDRAWN = 81, _("Consent withdrawn")
    CONSENT_DOCUMENT_VIEWED = 82, _("Signed consent form viewed")
    CONSENT_FORM_ISSUED = 83, _("Consent form issued")

    DELETION_REQUESTED = 90, _("Complete deletion requested")
    DELETION_REQUEST_WITHDRAWN = 91, _("Complete deletion request withdrawn")
    PATIENT_GROUP_ERASED = 92, _("Patient group completely deleted")
    DELETION_CERTIFICATE_ISSUED = 93, _("Deletion certificate issued")

    PERSONAL_INFORMATION_CONFIRMED = (
        100,
        _("Sent in a connection after the personal-information warning"),
    )

    DEVICE_REGISTERED = 110, _("Device registered at sign-in")
    DEVICE_REPORTED_LOST = 111, _("Device reported lost")
    DEVICE_CUT_OFF = 112, _("Device cut off")
    DEVICE_RENAMED = 113, _("Device renamed")
    DEVICE_SIGN_IN_REFUSED = 114, _("Sign-in refused on a lost or cut-off device")

    PLEDGE_FORM_ISSUED = 120, _("Pledge form issued")
    PLEDGE_SIGNED = 121, _("Signed pledge recorded")
    PLEDGE_ON_FILE = 122, _("Existing pledge recorded as on file")
    PLEDGE_DOCUMENT_VIEWED = 123, _("Signed pledge viewed")
    EDUCATION_RECORDED = 124, _("Education session recorded")

    REPORT_RAISED = 130, _("Problem reported to the secretariat")
    REPORT_COMMENTED = 131, _("Comment on a problem report")
    REPORT_STATUS_CHANGED = 132, _("Problem report status changed")
    EXPORT_STARTED = 133, _("CSV export started")
    EXPORT_DOWNLOADED = 134, _("CSV export downloaded")

    SESSION_ENDED_BY_MEMBER = 150, _("Session ended by its member")
    SESSION_LIFETIME_REACHED = 151, _("Session ended at its longest lifetime")
    REAUTHENTICATED = 152, _("Identity confirmed before a sensitive action")
    REAUTH_FAILED = 153, _("Identity confirmation failed")
    POLICY_PRESET_APPLIED = 154, _("Password policy preset applied")

    SECOND_FACTOR_ENROLLED = 160, _("Second factor enrolled")
    SECOND_FACTOR_REMOVED = 161, _("Second factor removed")
    SECOND_FACTOR_VERIFIED = 162, _("Second factor accepted")
    SECOND_FACTOR_FAILED = 163, _("Second factor refused")
    SECOND_FACTOR_THROTTLED = 164, _("Second factor refused: too many failures")
    RECOVERY_CODES_GENERATED = 165, _("Recovery codes generated")
    SECOND_FACTOR_RESET = 166, _("Second factor reset by an admin")

    BACKUP_WRITTEN = 180, _("Encrypted backup written")
    BACKUP_RESTORED = 181, _("Backup restored onto an empty installation")
    ERASURE_REAPPLIED = 182, _("Complete deletion applied again after a restore")
