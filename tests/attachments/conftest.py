"""Attachment tests store files under a temporary DATA_DIR and run on-commit callbacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from tests.spaces.helpers import connection, group, patient_group


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def _english_messages():
    """Messages are asserted by their English source; the Japanese catalog is checked by
    tests/test_translations.py and by one test here."""
    with translation.override("en"):
        yield


@pytest.fixture
def spaces(region):
    """One space of each kind: the nurse and the pharmacist are members of all three."""
    return {
        "patient_group": patient_group(region, region.nurse, region.pharmacist),
        "group": group(region, region.doctor, region.nurse, region.pharmacist),
        "connection": connection(region.nurse, region.pharmacist),
    }
