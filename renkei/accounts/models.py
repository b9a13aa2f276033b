"""Members, their password history, sessions, sign-in attempts and one-time links."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Profession(models.TextChoices):
    DOCTOR = "doctor", _("Doctor")
    DENTIST = "dentist", _("Dentist")
    PHARMACIST = "pharmacist", _("Pharmacist")
    NURSE = "nurse", _("Nurse")
    PUBLIC_HEALTH_NURSE = "public_health_nurse", _("Public health nurse")
    CARE_MANAGER = "care_manager", _("Care manager")
    PHYSICAL_THERAPIST = "physical_therapist", _("Physical therapist")
    OCCUPATIONAL_THERAPIST = "occupational_therapist", _("Occupational therapist")
    SPEECH_THERAPIST = "speech_therapist", _("Speech therapist")
    DIETITIAN = "dietitian", _("Dietitian")
    CARE_WORKER = "care_worker", _("Care worker")
    HELPER = "helper", _("Home helper")
    SOCIAL_WORKER = "social_worker", _("Medical social worker")
    CLERK = "clerk", _("Clerk")
    OTHER = "other", _("Other")


class MemberManager(BaseUserManager["Member"]):
    def get_by_natural_key(self, username: str | None) -> Member:
        return self.get(login_id__iexact=username)

    def create_member(self, *, password: str | None = None, **fields: Any) -> Member:
        """Create a member directly (commands and tests); on users' paths, use the actions."""
        member = self.model(**fields)
        if password is None:
            member.set_unusable_password()
        else:
            member.set_password(password)
            member.password_changed_at = timezone.now()
        member.save()
        return member


class Member(AbstractBaseUser):
    """One person, one account (R2.1). Affiliations with facilities live in ``facilities``.

    ``login_id`` stays empty until the person activates the account from the e-mailed link.
    Members are never deleted: a deregistered member stays on the facility's form-3 list (R1.2).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    login_id = models.CharField(max_length=32, unique=True, null=True, blank=True)
    name = models.CharField(max_length=60)
    furigana = models.CharField(max_length=60)
    profession = models.CharField(max_length=32, choices=Profession.choices)
    email = models.EmailField(max_length=254, unique=True)
    is_active = models.BooleanField(default=False)
    is_secretariat = models.BooleanField(default=False)
    is_operator = models.BooleanField(default=False)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[MemberManager] = MemberManager()

    USERNAME_FIELD = "login_id"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name", "email"]

    class Meta:
        ordering = ["furigana", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_label(self) -> str:
        """How this member appears in the audit trail: name and login ID, never a patient."""
        return f"{self.name} ({self.login_id or self.email})"[:200]


class PasswordHistory(models.Model):
    """Hashes of a member's earlier passwords, so the last few are not reused (R2.2)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=256)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"password of {self.member_id} at {self.created_at:%Y-%m-%d}"


class EndReason(models.TextChoices):
    SIGN_OUT = "sign_out", _("Signed out")
    SIGN_OUT_EVERYWHERE = "everywhere", _("Signed out of every device")
    IDLE = "idle", _("Idle timeout")
    DEREGISTERED = "deregistered", _("Member deregistered")
    FACILITY_LEFT = "facility_left", _("Facility left the network")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_RESET = "password_reset", _("Password reset")
    DEVICE_LOST = "device_lost", _("Device reported lost")
    DEVICE_CUT_OFF = "device_cut_off", _("Device cut off")
    ENDED_BY_MEMBER = "ended_by_member", _("Ended from the sessions page")
    LIFETIME = "lifetime", _("Longest session lifetime reached")
    FACTOR_RESET = "factor_reset", _("Second factor reset by an admin")


class UserSession(models.Model):
    """One signed-in session of a member; ending it ends the pages, API and live connections."""

    session_key = models.CharField(max_length=40, unique=True)
    # Names the session on the sessions page and in the API; the key itself never leaves.
    public_id = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="sessions")
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    # When the member last proved who they are in this session: the sign-in, then each
    # confirmation before a sensitive action (R2.3, renkei.accounts.reauth).
    confirmed_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    ip = models.GenericIPAddressField(null=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # The browser the session was opened from (R2.5); empty for sessions opened without one.
    device = models.ForeignKey(
        "devices.Device", null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )

    class Meta:
        indexes = [models.Index(fields=["member", "ended_at"])]

    def __str__(self) -> str:
        return f"session of {self.member_id} since {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class SignInAttempt(models.Model):
    """A failed sign-in, counted per account and per address to throttle guessing (R2.3)."""

    login_id = models.CharField(max_length=64, db_index=True)
    ip = models.GenericIPAddressField(null=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"failed sign-in for {self.login_id!r} at {self.at:%Y-%m-%d %H:%M}"


class TokenPurpose(models.TextChoices):
    ACTIVATION = "activation", _("Account activation")
    PASSWORD_RESET = "reset", _("Password reset")


class OneTimeToken(models.Model):
    """A single-use, expiring link. Only the SHA-256 of the token is stored."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="tokens")
    purpose = models.CharField(max_length=16, choices=TokenPurpose.choices)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.purpose} link for {self.member_id}"
