"""The one row that says which version of the region's data the guard's index is built from."""

from __future__ import annotations

from django.db import models


class IndexVersion(models.Model):
    """Changed by database triggers (renkei.guard.triggers) in the same transaction as every
    write to what the guard's index reads. The value is random rather than counted: a counter
    goes back when a transaction rolls back or a backup is restored, and could then name two
    different sets of rows; a fresh 64-bit random value never comes back."""

    ROW = 1

    value = models.BigIntegerField()

    def __str__(self) -> str:
        return f"guard index version {self.value}"
