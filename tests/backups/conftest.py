"""Backup tests: a temporary DATA_DIR (file store and ledger), a backup key in the
environment, messages in English."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

BACKUP_KEY = "test-backup-key-0123456789abcdefghijklmnop"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.ERASURE_LEDGER = ""
    return settings.DATA_DIR


@pytest.fixture(autouse=True)
def backup_key(monkeypatch) -> str:
    monkeypatch.setenv("RENKEI_BACKUP_KEY", BACKUP_KEY)
    return BACKUP_KEY


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield
