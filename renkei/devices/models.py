"""The devices members use for the network (R2.3, R2.5): each browser a member signs in from.

A browser is known by a long-lived, signed device cookie; the first sign-in of a member from a
browser registers a device for them. A device reported lost or cut off ends its sessions and
refuses further sign-ins from that browser.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeviceKind(models.TextChoices):
    SMARTPHONE = "smartphone", _("Smartphone")
    TABLET = "tablet", _("Tablet")
    PC = "pc", _("PC")
    OTHER = "other", _("Other device")


class DeviceState(models.TextChoices):
    ACTIVE = "active", _("In use")
    LOST = "lost", _("Reported lost")
    CUT_OFF = "cut_off", _("Cut off")


class Device(models.Model):
    """One member's use of one browser. ``browser_key`` is the random value of the device cookie."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices"
    )
    browser_key = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=16, choices=DeviceKind.choices)
    registered_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=16, choices=DeviceState.choices, default=DeviceState.ACTIVE)
    reported_lost_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reported_lost_at = models.DateTimeField(null=True, blank=True)
    cut_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cut_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "browser_key"], name="one_device_per_member_and_browser"
            )
        ]

    def __str__(self) -> str:
        return f"device {self.public_id} of {self.member_id}"

    @property
    def is_active(self) -> bool:
        return self.state == DeviceState.ACTIVE
