"""The patient's consent to sharing their information (R3.2, form 4), kept per patient group.

A patient group holds at most one current consent; a withdrawn one stays as history. The signed
form's scan lives encrypted with the space's data key in the file store, never at a public URL.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Signer(models.TextChoices):
    """Who signed form 4: the patient, a family member, or a proxy signer (代筆者) who wrote
    for a patient who could not sign."""

    PATIENT = "patient", _("The patient")
    FAMILY = "family", _("Family")
    PROXY = "proxy", _("Proxy signer")


class ConsentRecord(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, related_name="consents")
    consented_on = models.DateField()
    signer = models.CharField(max_length=8, choices=Signer.choices)
    # For family and proxy signers; the patient's own name is on the patient record.
    signer_name = models.CharField(max_length=60, blank=True)
    signer_relationship = models.CharField(max_length=30, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # The signed form: its bytes are encrypted under the space's key, bound to document_id.
    document_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document_type = models.CharField(max_length=100)
    document_size = models.PositiveBigIntegerField()
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawal_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["space"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_current_consent_per_space",
            ),
        ]

    def __str__(self) -> str:
        return f"consent {self.public_id} of space {self.space_id}"

    @property
    def is_current(self) -> bool:
        return self.withdrawn_at is None

    @property
    def document_extension(self) -> str:
        return {"application/pdf": "pdf", "image/png": "png"}.get(self.document_type, "jpg")
