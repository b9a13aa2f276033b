"""The guard's tests: the labelled set's patients created as patient groups of the region."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from renkei.guard.evaluation import fixture
from renkei.spaces import actions
from renkei.spaces.models import Space


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def labelled_patients(region) -> list[Space]:
    """The invented patients of the labelled set, each with a patient group led by the clinic
    (created by its doctor, so the doctor is a member of every one)."""
    groups = []
    for p in fixture().patients:
        groups.append(
            actions.create_patient_group(
                region.doctor,
                facility_id=region.clinic.pk,
                patient=actions.PatientInput(
                    name=p["name"],
                    furigana=p["furigana"],
                    birth_date=date.fromisoformat(p["birth_date"]),
                    sex=p["sex"],
                    address=p["address"],
                    phone=p["phone"],
                ),
            )
        )
    return groups
