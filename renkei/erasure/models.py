"""Complete deletion of a patient group (R3.5): the request, and the tombstone that stays.

A request records who asked (the patient or family), when and how; the operator executes it.
What stays after execution is the tombstone: ids, dates, staff names and counts, never content
and never the patient's name.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Requester(models.TextChoices):
    PATIENT = "patient", _("The patient")
    FAMILY = "family", _("Family")


class RequestChannel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    LETTER = "letter", _("By letter")
    OTHER = "other", _("Other")


class RequestState(models.TextChoices):
    OPEN = "open", _("Waiting for the operator")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXECUTED = "executed", _("Executed")


class DeletionRequest(models.Model):
    """The patient or their family asked for complete deletion; an admin recorded it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    space = models.ForeignKey("spaces.Space", on_delete=models.PROTECT, related_name="+")
    requester = models.CharField(max_length=16, choices=Requester.choices)
    # 続柄 of the family member who asked ("長男", "妻"); empty when the patient asked.
    relationship = models.CharField(max_length=20, blank=True)
    asked_on = models.DateField()
    channel = models.CharField(max_length=16, choices=RequestChannel.choices)
    # Cleared when the request is executed: free text could name someone.
    channel_note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=16, choices=RequestState.choices, default=RequestState.OPEN)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    executed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["space"], condition=Q(state="open"), name="one_open_deletion_request"
            )
        ]

    def __str__(self) -> str:
        return f"deletion request {self.public_id} ({self.state})"


class Tombstone(models.Model):
    """What remains of a completely deleted patient group: facts, never content.

    Member ids are kept with their names as they were (staff names only); the facility too.
    ``counts`` says how many of each kind of row and file were erased.
    """

    space = models.OneToOneField("spaces.Space", on_delete=models.PROTECT, related_name="+")
    space_public_id = models.UUIDField(unique=True)
    kind = models.CharField(max_length=16)
    request = models.OneToOneField(DeletionRequest, on_delete=models.PROTECT, related_name="+")
    lead_facility_id_snapshot = models.BigIntegerField(null=True)
    lead_facility_public_id = models.UUIDField(null=True)
    lead_facility_name = models.CharField(max_length=100, blank=True)
    space_created_at = models.DateTimeField()
    requester = models.CharField(max_length=16, choices=Requester.choices)
    relationship = models.CharField(max_length=20, blank=True)
    asked_on = models.DateField()
    channel = models.CharField(max_length=16, choices=RequestChannel.choices)
    requested_at = models.DateTimeField()
    requested_by_id_snapshot = models.BigIntegerField()
    requested_by_name = models.CharField(max_length=60)
    executed_at = models.DateTimeField()
    executed_by_id_snapshot = models.BigIntegerField()
    executed_by_name = models.CharField(max_length=60)
    key_destroyed_at = models.DateTimeField()
    counts = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"tombstone of space {self.space_public_id}"
