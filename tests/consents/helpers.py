"""Builders for the consent tests: a patient group without consent, and what a form says."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from renkei.consents.actions import ConsentInput
from renkei.spaces.models import Space
from tests.spaces.helpers import patient_group
from tests.support.region import Region


def unconsented_group(region: Region) -> Space:
    """A patient group led by the clinic: the doctor (its admin), the nurse (a member) and the
    pharmacist (a member from another facility); consent not yet recorded."""
    return patient_group(region, region.nurse, region.pharmacist, consent=False)


def by_patient(days_ago: int = 1) -> ConsentInput:
    return ConsentInput(
        consented_on=timezone.localdate() - timedelta(days=days_ago), signer="patient"
    )


def by_family(name: str = "朝霞 一郎", relationship: str = "長男") -> ConsentInput:
    return ConsentInput(
        consented_on=timezone.localdate(),
        signer="family",
        signer_name=name,
        signer_relationship=relationship,
    )
