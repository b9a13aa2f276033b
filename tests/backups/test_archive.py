"""R2.3: a backup can only write where backups belong: entry names that leave the stored
folders, or name anything else, are refused before a byte is written."""

from __future__ import annotations

import pytest

from renkei.backups.archive import _safe_name
from renkei.backups.crypto import BackupError

pytestmark = pytest.mark.rule("R2.3")


@pytest.mark.parametrize(
    "name",
    [
        "database/sqlite3",
        "database/postgresql.dump",
        "manifest.json",
        "store/files/5f0c/ab.bin",
        "store/pledges/1/2.bin",
        "store/exports/a.csv",
    ],
)
def test_expected_names_pass(name):
    assert _safe_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "../outside",
        "/etc/passwd",
        "store/../master_key",
        "store/files/../../secret_key",
        "store/ledger/erasures.jsonl",
        "store/files",
        "database/other",
        "master_key",
        "store//files/x",
    ],
)
def test_other_names_are_refused(name):
    with pytest.raises(BackupError, match="unexpected entry"):
        _safe_name(name)
