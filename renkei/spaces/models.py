"""Spaces, their members, the patient record of a patient group, and each space's data key."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SpaceKind(models.TextChoices):
    PATIENT_GROUP = "patient_group", _("Patient group")
    GROUP = "group", _("Group")
    CONNECTION = "connection", _("Connection")


class SpaceState(models.TextChoices):
    ACTIVE = "active", _("Active")
    ARCHIVED = "archived", _("Archived")
    FROZEN = "frozen", _("Frozen")
    DELETED = "deleted", _("Deleted")


class Space(models.Model):
    """A patient group, a group or a connection (R2.6).

    A patient group belongs to its lead facility (R3.1) and carries a patient record; a
    connection joins exactly two members, once (``pair_key``).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=SpaceKind.choices)
    name = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=16, choices=SpaceState.choices, default=SpaceState.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    lead_facility = models.ForeignKey(
        "facilities.Facility",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patient_groups",
    )
    pair_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # The newest post's id and time, kept with each post so the space list sorts and counts
    # unread posts without scanning the timeline.
    last_post_id = models.BigIntegerField(default=0)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    # When a patient group moved to the archive (保管者リスト, R3.5); cleared on restore.
    archived_at = models.DateTimeField(null=True, blank=True)
    # The state to restore to: a group frozen by a withdrawn consent (R3.2) stays frozen.
    state_before_archive = models.CharField(max_length=16, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="patient_group") | Q(lead_facility__isnull=False),
                name="patient_group_has_lead_facility",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"

    @property
    def is_writable(self) -> bool:
        return self.state == SpaceState.ACTIVE


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not stated")


class PatientRecord(models.Model):
    """The header of a patient group: who the patient is and who cares for them."""

    space = models.OneToOneField(Space, on_delete=models.CASCADE, related_name="patient")
    name = models.CharField(max_length=60)
    furigana = models.CharField(max_length=60)
    birth_date = models.DateField()
    sex = models.CharField(max_length=8, choices=Sex.choices)
    address = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    key_person = models.CharField(max_length=100, blank=True)
    care_level = models.CharField(max_length=40, blank=True)
    primary_doctor = models.CharField(max_length=60, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"patient of space {self.space_id}"


class MembershipState(models.TextChoices):
    INVITED = "invited", _("Invited")
    # Invited from another facility: waits for an admin of the member's own facility (R2.10).
    PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
    ACTIVE = "active", _("Active")
    DECLINED = "declined", _("Declined")
    REMOVED = "removed", _("Removed")
    LEFT = "left", _("Left")


class Membership(models.Model):
    """A member's place in a space. Only an active membership reads or writes the space.

    ``via_facility`` is the facility through which the member reached the space, so leaving
    that facility can end the membership; ``last_read_post_id`` is the read state.
    """

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    state = models.CharField(
        max_length=16, choices=MembershipState.choices, default=MembershipState.ACTIVE
    )
    is_admin = models.BooleanField(default=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via_facility = models.ForeignKey(
        "facilities.Facility", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    joined_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    last_read_post_id = models.BigIntegerField(default=0)
    # The facility admin who approved or declined an invitation from another facility (R2.10),
    # and the reason given for a decline, shown to the inviter.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decline_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["space", "member"], name="one_membership_per_space")
        ]
        indexes = [models.Index(fields=["member", "state"])]

    def __str__(self) -> str:
        return f"member {self.member_id} in space {self.space_id} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state == MembershipState.ACTIVE


class SpaceKey(models.Model):
    """The space's data key, wrapped under the master key. Destroying it makes the space's
    files unreadable everywhere, backups included."""

    space = models.OneToOneField(Space, on_delete=models.CASCADE, related_name="key")
    wrapped = models.BinaryField(null=True)
    created_at = models.DateTimeField(default=timezone.now)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"key of space {self.space_id}"
