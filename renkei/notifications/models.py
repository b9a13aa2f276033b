"""Notification rows, picked up by the mail sender, and each member's e-mail choices."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    ACTIVITY = "activity", _("New posts")
    MENTION = "mention", _("Mentioned")
    ACK_REQUEST = "ack_request", _("Acknowledgement requested")
    REPLY = "reply", _("Reply to your post")
    CONNECTION_REQUEST = "connection_request", _("Connection request")
    ADDED = "added", _("Added to a space")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn: archive or delete the group")


class Notification(models.Model):
    """Something new for one member in one space. Rows carry ids only, never content."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    space = models.ForeignKey(
        "spaces.Space", on_delete=models.CASCADE, related_name="notifications"
    )
    post = models.ForeignKey(
        "timeline.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when the mail was sent, or decided against (e-mail off for the space kind).
    mailed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # True when a mail went out for this row: later rows of the space then wait until the
    # member has read it, so a busy space sends one mail, not one per post.
    mail_sent = models.BooleanField(default=False)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["member", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.member_id} in space {self.space_id}"


class EmailPreference(models.Model):
    """Whether a member wants e-mail for a kind of space; no row means yes."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    space_kind = models.CharField(max_length=16)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "space_kind"], name="one_pref_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.space_kind} mail {'on' if self.enabled else 'off'}"
