"""Stored values of the regional policy; a setting with no row has its default."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PolicyValue(models.Model):
    """The value the secretariat set for one policy setting."""

    key = models.CharField(max_length=64, primary_key=True)
    value = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.key}={self.value!r}"
