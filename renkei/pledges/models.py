"""Pledges and education of a facility's staff (R2.9, forms 1 and 2) and its form 3 (F3).

One row per form per person: form 1 (連携守秘誓約書) is the facility manager's pledge to the
medical association, form 2 (連携情報保持に関する誓約書) each staff member's pledge to the
manager. A person without a row has not been issued the form. The signed scan is encrypted
with a key derived for the facility (see ``renkei.pledges.documents``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PledgeForm(models.IntegerChoices):
    MANAGER = 1, _("Form 1: the manager's confidentiality pledge")
    STAFF = 2, _("Form 2: the staff member's confidentiality pledge")


class PledgeState(models.TextChoices):
    ISSUED = "issued", _("Issued")
    SIGNED = "signed", _("Signed")
    ON_FILE = "on_file", _("Existing pledge on file")


class Pledge(models.Model):
    """A pledge of one registration (affiliation): issued, then signed (with its scan), or an
    existing pledge recorded as on file instead (R2.9 allows it)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    affiliation = models.ForeignKey(
        "facilities.Affiliation", on_delete=models.PROTECT, related_name="pledges"
    )
    form = models.PositiveSmallIntegerField(choices=PledgeForm.choices)
    state = models.CharField(max_length=8, choices=PledgeState.choices)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_on = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    # The signed form: its bytes are encrypted under the facility's key, bound to document_id.
    document_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    document_type = models.CharField(max_length=100, blank=True)
    document_size = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["affiliation_id", "form"]
        constraints = [
            models.UniqueConstraint(fields=["affiliation", "form"], name="one_pledge_per_form"),
        ]

    def __str__(self) -> str:
        return f"form {self.form} of affiliation {self.affiliation_id}: {self.state}"

    @property
    def document_extension(self) -> str:
        return {"application/pdf": "pdf", "image/png": "png"}.get(self.document_type, "jpg")


class EducationSession(models.Model):
    """An education session held by the facility (R2.9): date, topic and attendees."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="education_sessions"
    )
    held_on = models.DateField()
    topic = models.CharField(max_length=200)
    attendees = models.ManyToManyField("facilities.Affiliation", related_name="education_sessions")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"education {self.held_on} at facility {self.facility_id}"


class Agreement(models.Model):
    """Form 3 (誓約同意書) of a facility, with its user list: one row each time it is issued
    (again after a manager or staff change), signed once its scan is uploaded back. The latest
    row is the facility's current form 3; no row means it has not been issued."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="agreements"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_on = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The signed form: encrypted under the facility's key, bound to document_id, like a Pledge's.
    document_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    document_type = models.CharField(max_length=100, blank=True)
    document_size = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["facility_id", "-issued_at", "-id"]

    def __str__(self) -> str:
        return f"form 3 of facility {self.facility_id}: {self.state}"

    @property
    def state(self) -> str:
        return PledgeState.SIGNED if self.signed_on is not None else PledgeState.ISSUED

    @property
    def document_extension(self) -> str:
        return {"application/pdf": "pdf", "image/png": "png"}.get(self.document_type, "jpg")
