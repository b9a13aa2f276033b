"""The deletion ledger (R3.5): a record, kept outside the database and outside every backup, of
each complete deletion, so that restoring a backup made before a deletion cannot bring the
patient group back: ``restore`` erases again every group the ledger names.

One JSON line per event, append-only, each line signed (HMAC-SHA256 under a key derived from
the secret key) and chained to the line before, so an altered, removed or reordered line is
found. A line carries ids, dates and the request's fixed choices: never a name, never content.
The first line ("genesis") is written when the ledger is made (by the first backup or the
first deletion), so an installation that keeps one always has a file to copy.

It lives at RENKEI_ERASURE_LEDGER (default DATA_DIR/ledger/erasures.jsonl); keep a copy where
the backups are not (it is small and holds no personal information).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

FORMAT = 1


class LedgerError(Exception):
    """The ledger is missing, altered or signed under another secret key."""


@dataclass(frozen=True)
class Erasure:
    """One complete deletion as the ledger knows it."""

    seq: int
    space_id: int
    space_public_id: str
    request_public_id: str
    requester: str
    asked_on: str
    channel: str
    requested_at: str
    requested_by_id: int
    executed_at: str
    executed_by_id: int
    lead_facility_id: int | None


def ledger_path() -> Path:
    """Where this installation keeps its ledger."""
    configured = getattr(settings, "ERASURE_LEDGER", "")
    return Path(configured) if configured else Path(settings.DATA_DIR) / "ledger" / "erasures.jsonl"


def _key() -> bytes:
    return hashlib.sha256(f"renkei-erasure-ledger:{settings.SECRET_KEY}".encode()).digest()


def _sign(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(_key(), canonical.encode(), hashlib.sha256).hexdigest()


def _parse(lines: list[str], where: Path) -> list[dict[str, Any]]:
    """Every line, checked: signature, sequence and chain. Raises LedgerError at the first fault."""
    entries: list[dict[str, Any]] = []
    prev = ""
    for number, line in enumerate(lines, start=1):
        try:
            fields = json.loads(line)
            mac = fields.pop("mac")
        except (ValueError, KeyError, AttributeError, TypeError) as exc:
            raise LedgerError(f"{where}: line {number} is not a ledger line") from exc
        if not isinstance(mac, str) or not hmac.compare_digest(mac, _sign(fields)):
            raise LedgerError(
                f"{where}: line {number} has a wrong signature (altered, or another secret key)"
            )
        if fields.get("seq") != number - 1 or fields.get("prev") != prev:
            raise LedgerError(f"{where}: line {number} is out of sequence (a line was removed)")
        if number == 1 and fields.get("kind") != "genesis":
            raise LedgerError(f"{where}: the first line is not the ledger's beginning")
        entries.append(fields)
        prev = mac
    return entries


def _read_lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _read_fd(fd: int) -> list[str]:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return [line for line in b"".join(chunks).decode("utf-8").splitlines() if line.strip()]


def _append(path: Path, fields: dict[str, Any] | None) -> None:
    """Append one signed line under an exclusive lock (two deletions at once queue here),
    after the genesis line if the ledger is new; ``None`` only makes the ledger."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        lines = _read_fd(fd)
        existing = _parse(lines, path)
        if existing:
            seq, prev = len(existing), str(json.loads(lines[-1])["mac"])
        else:
            genesis = {"v": FORMAT, "kind": "genesis", "at": timezone.now().isoformat()}
            genesis.update(seq=0, prev="")
            prev = _write_line(fd, genesis)
            seq = 1
        if fields is not None:
            _write_line(fd, {**fields, "seq": seq, "prev": prev})
    finally:
        os.close(fd)


def _write_line(fd: int, fields: dict[str, Any]) -> str:
    mac = _sign(fields)
    line = json.dumps({**fields, "mac": mac}, sort_keys=True, ensure_ascii=True)
    os.write(fd, (line + "\n").encode())
    os.fsync(fd)
    return mac


def ensure_ledger() -> Path:
    """Make the ledger (its genesis line) if this installation has none yet; returns its path."""
    path = ledger_path()
    _append(path, None)
    return path


def append_erasure(
    *,
    space_id: int,
    space_public_id: object,
    request_public_id: object,
    requester: str,
    asked_on: object,
    channel: str,
    requested_at: object,
    requested_by_id: int,
    executed_at: object,
    executed_by_id: int,
    lead_facility_id: int | None,
) -> None:
    """Record one complete deletion; called inside the deletion's transaction, before it
    commits, so no committed deletion is missing from the ledger."""
    _append(
        ledger_path(),
        {
            "v": FORMAT,
            "kind": "erasure",
            "space_id": space_id,
            "space": str(space_public_id),
            "request": str(request_public_id),
            "requester": requester,
            "asked_on": str(asked_on),
            "channel": channel,
            "requested_at": _iso(requested_at),
            "requested_by": requested_by_id,
            "executed_at": _iso(executed_at),
            "executed_by": executed_by_id,
            "lead_facility": lead_facility_id,
        },
    )


def _iso(value: object) -> str:
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)


def read_erasures(path: Path | None = None) -> list[Erasure]:
    """The ledger's deletions, after checking every line; LedgerError if it is missing or any
    line is altered, removed or signed under another secret key."""
    path = path or ledger_path()
    if not path.exists():
        raise LedgerError(f"{path}: no deletion ledger here")
    entries = _parse(_read_lines(path), path)
    if not entries:
        raise LedgerError(f"{path}: the deletion ledger is empty")
    return [
        Erasure(
            seq=e["seq"],
            space_id=e["space_id"],
            space_public_id=e["space"],
            request_public_id=e["request"],
            requester=e["requester"],
            asked_on=e["asked_on"],
            channel=e["channel"],
            requested_at=e["requested_at"],
            requested_by_id=e["requested_by"],
            executed_at=e["executed_at"],
            executed_by_id=e["executed_by"],
            lead_facility_id=e["lead_facility"],
        )
        for e in entries
        if e.get("kind") == "erasure"
    ]
