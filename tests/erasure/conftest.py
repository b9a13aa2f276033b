"""Deletion tests keep files under a temporary DATA_DIR and read messages in English."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield
