"""Problem reports raised to the secretariat (R2.10, R3.5), their comments and status history.

A report carries only what its reporter typed; a report about a patient group points at the
group by id, never at the patient's record.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")


class ReportCategory(models.TextChoices):
    ACCOUNT = "account", _("Accounts and sign-in")
    DEVICE = "device", _("Devices")
    ACCESS = "access", _("Access rights and invitations")
    OPERATION = "operation", _("Operation of the system")
    INFORMATION = "information", _("Handling of information")
    OTHER = "other", _("Other")


class ReportSource(models.TextChoices):
    FACILITY = "facility", _("Facility")
    PATIENT_GROUP = "patient_group", _("Patient group")


class Report(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(max_length=16, choices=ReportSource.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reports"
    )
    # The facility reported about, or the patient group's lead facility (for the inbox filter).
    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.PROTECT, related_name="reports"
    )
    space = models.ForeignKey(
        "spaces.Space", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=4000)
    category = models.CharField(max_length=16, choices=ReportCategory.choices)
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "facility"])]

    def __str__(self) -> str:
        return f"report {self.pk} ({self.status})"


class ReportComment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"comment {self.pk} on report {self.report_id}"


class ReportStatusChange(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="history")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=16, choices=ReportStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ReportStatus.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"report {self.report_id}: {self.from_status or '-'} -> {self.to_status}"
