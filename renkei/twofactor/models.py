"""Second factors of a member: an authenticator app (TOTP), passkeys (WebAuthn) and one-time
recovery codes, plus the failed attempts counted to throttle guessing (R2.3)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from renkei.accounts.models import Member


class TotpAuthenticator(models.Model):
    """The authenticator app of a member. It counts only once confirmed by a first code.

    The shared secret is sealed with a key derived from the master key, so a copy of the
    database alone does not give the codes away. ``last_step`` is the 30-second step of the
    last accepted code: a code of that step or an earlier one is refused (no replay).
    """

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="totp")
    sealed_secret = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"authenticator app of {self.member_id}"


class Passkey(models.Model):
    """A WebAuthn credential registered by a member (a passkey or a security key)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="passkeys")
    # base64url of the credential id, as the browser reports it
    credential_id = models.CharField(max_length=1400, unique=True)
    public_key = models.BinaryField()
    sign_count = models.BigIntegerField(default=0)
    name = models.CharField(max_length=60)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"passkey {self.name!r} of {self.member_id}"


class RecoveryCode(models.Model):
    """One single-use recovery code; only its SHA-256 digest is kept."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["member", "digest"])]

    def __str__(self) -> str:
        return f"recovery code of {self.member_id}"


class SecondFactorFailure(models.Model):
    """A refused second factor, counted per account and per address like failed passwords."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    ip = models.GenericIPAddressField(null=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"refused second factor of {self.member_id} at {self.at:%Y-%m-%d %H:%M}"
