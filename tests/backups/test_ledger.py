"""R3.5: the deletion ledger is append-only and signed; an altered, removed or reordered line
or another secret key is found, and it holds ids and dates only."""

from __future__ import annotations

import json
import uuid

import pytest
from django.utils import timezone

from renkei.backups.ledger import (
    LedgerError,
    append_erasure,
    ensure_ledger,
    ledger_path,
    read_erasures,
)

pytestmark = pytest.mark.rule("R3.5")


def _append(space_id: int) -> str:
    public_id = uuid.uuid4()
    now = timezone.now()
    append_erasure(
        space_id=space_id,
        space_public_id=public_id,
        request_public_id=uuid.uuid4(),
        requester="family",
        asked_on=now.date(),
        channel="phone",
        requested_at=now,
        requested_by_id=3,
        executed_at=now,
        executed_by_id=4,
        lead_facility_id=2,
    )
    return str(public_id)


def test_entries_are_read_back_in_order(data_dir):
    first, second = _append(1), _append(2)
    assert [e.space_public_id for e in read_erasures()] == [first, second]
    assert ledger_path() == data_dir / "ledger" / "erasures.jsonl"
    lines = ledger_path().read_text().splitlines()
    assert json.loads(lines[0])["kind"] == "genesis"
    assert set(json.loads(lines[1])) == {
        "v", "kind", "seq", "prev", "mac", "space_id", "space", "request", "requester",
        "asked_on", "channel", "requested_at", "requested_by", "executed_at", "executed_by",
        "lead_facility",
    }  # fmt: skip


def test_ensure_ledger_makes_an_empty_ledger_once(data_dir):
    ensure_ledger()
    ensure_ledger()
    assert read_erasures() == []
    assert len(ledger_path().read_text().splitlines()) == 1


def test_an_altered_line_is_found():
    _append(1)
    path = ledger_path()
    text = path.read_text()
    assert '"space_id": 1' in text
    path.write_text(text.replace('"space_id": 1', '"space_id": 7'))
    with pytest.raises(LedgerError, match="wrong signature"):
        read_erasures()


def test_a_removed_line_is_found():
    _append(1), _append(2), _append(3)
    path = ledger_path()
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:2] + lines[3:]) + "\n")
    with pytest.raises(LedgerError, match="out of sequence"):
        read_erasures()


def test_a_ledger_signed_under_another_secret_key_is_refused(settings):
    _append(1)
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    with pytest.raises(LedgerError, match="another secret key"):
        read_erasures()


def test_a_missing_ledger_is_refused(data_dir):
    with pytest.raises(LedgerError, match="no deletion ledger"):
        read_erasures(data_dir / "nowhere.jsonl")
