"""Facilities, the users listed on their application, and affiliations (the form-3 list)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renkei.accounts.models import Profession


class FacilityKind(models.TextChoices):
    CLINIC = "clinic", _("Clinic")
    HOSPITAL = "hospital", _("Hospital")
    DENTAL_CLINIC = "dental_clinic", _("Dental clinic")
    VISITING_NURSE = "visiting_nurse", _("Visiting nurse station")
    PHARMACY = "pharmacy", _("Pharmacy")
    CARE_MANAGEMENT = "care_management", _("Care management office")
    HOME_HELP = "home_help", _("Home help service")
    COMMUNITY_CENTER = "community_center", _("Community general support center")
    REHABILITATION = "rehabilitation", _("Rehabilitation service")
    OTHER = "other", _("Other")


class FacilityState(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ACTIVE = "active", _("Active")
    REJECTED = "rejected", _("Rejected")
    LEFT = "left", _("Left")


class Facility(models.Model):
    """A facility; it can use the network only once the secretariat accepts it (R1.1)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=32, choices=FacilityKind.choices)
    name = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=8)
    address = models.CharField(max_length=200)
    tel = models.CharField(max_length=20)
    fax = models.CharField(max_length=20, blank=True)
    manager_name = models.CharField(max_length=60)
    pledge_date = models.DateField()
    state = models.CharField(
        max_length=16, choices=FacilityState.choices, default=FacilityState.APPLIED
    )
    applied_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejection_reason = models.TextField(blank=True)
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "facilities"

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.state == FacilityState.ACTIVE


class AppliedUser(models.Model):
    """A person listed on a facility's application (form 3), before the secretariat accepts it."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="applied_users")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=60)
    furigana = models.CharField(max_length=60)
    profession = models.CharField(max_length=32, choices=Profession.choices)
    email = models.EmailField(max_length=254)
    is_manager = models.BooleanField(default=False)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "number"], name="applied_user_number"),
            models.UniqueConstraint(fields=["facility", "email"], name="applied_user_email"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class Affiliation(models.Model):
    """A member's registration with a facility: one row of its form-3 user list.

    ``lost_on`` is the loss-of-eligibility date (資格喪失日, R1.2); the row is kept after it.
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="affiliations"
    )
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="affiliations")
    number = models.PositiveIntegerField()
    registered_on = models.DateField(default=timezone.localdate)
    lost_on = models.DateField(null=True, blank=True)
    is_manager = models.BooleanField(default=False)
    is_admin = models.BooleanField(default=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deregistered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["facility_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "number"], name="affiliation_number"),
            models.UniqueConstraint(
                fields=["facility", "member"],
                condition=Q(lost_on__isnull=True),
                name="one_current_affiliation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id}#{self.number} member {self.member_id}"

    @property
    def is_current(self) -> bool:
        return self.lost_on is None
