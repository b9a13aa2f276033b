"""Builders for deletion tests: a patient group with content, a request, and the scans."""

from __future__ import annotations

import json
import secrets
import subprocess
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.db import connection
from django.utils import timezone

from renkei.accounts.models import Member
from renkei.attachments.uploads import prepare_uploads
from renkei.erasure import actions
from renkei.erasure.models import DeletionRequest
from renkei.spaces import actions as space_actions
from renkei.spaces.models import Space
from renkei.timeline.actions import acknowledge, edit_post, post_message
from renkei.timeline.models import Post
from tests.attachments import samples
from tests.spaces.helpers import patient
from tests.support.consent import record_consent
from tests.support.region import Region


def marker(tag: str) -> str:
    """A unique random token that nothing else in the database or file store contains."""
    return f"ZQ{tag}{secrets.token_hex(8).upper()}"


@dataclass
class Group:
    space: Space
    markers: dict[str, str] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)


def filled_group(region: Region, *, capture=None) -> Group:
    """A patient group led by the clinic (doctor, nurse, care manager) with a marker in every
    place content can live: the patient record, a post, an edited post's earlier text and its
    new text, a reply, a PDF's content and name, a photo's name."""
    m = {
        tag: marker(tag)
        for tag in ("NAME", "ADDR", "POST", "OLD", "NEW", "REPLY", "PDFTEXT", "PDFNAME", "PHOTO")
    }
    space = space_actions.create_patient_group(
        region.doctor,
        facility_id=region.clinic.pk,
        patient=patient(name=f"朝霞 {m['NAME']}", address=f"埼玉県朝霞市 {m['ADDR']}"),
    )
    record_consent(space, by=region.doctor)
    space_actions.invite_to_patient_group(
        region.doctor, space_id=space.pk, member_ids=[region.nurse.pk, region.care_manager.pk]
    )
    group = Group(space=space, markers=m)
    first = post_message(
        region.doctor,
        space_id=space.pk,
        body=f"訪問しました {m['POST']} @ns.sato",
        ack_from=[region.nurse.pk],
    )
    edited = post_message(region.nurse, space_id=space.pk, body=f"血圧 {m['OLD']} でした")
    edit_post(region.nurse, post_id=edited.pk, body=f"血圧 {m['NEW']} に訂正します（再測定の結果）")
    reply = post_message(
        region.care_manager,
        space_id=space.pk,
        body=f"承知しました {m['REPLY']}",
        parent_id=first.pk,
    )
    files = [
        samples.upload(f"{m['PDFNAME']}.pdf", samples.pdf(m["PDFTEXT"]), "application/pdf"),
        samples.upload(f"{m['PHOTO']}.jpg", samples.jpeg(size=(640, 480)), "image/jpeg"),
    ]
    prepared = prepare_uploads(files, space=space, photo_consent=True)
    with_files = post_message(region.doctor, space_id=space.pk, body="", attachments=prepared)
    acknowledge(region.nurse, post_id=first.pk)
    group.posts = [first, edited, reply, with_files]
    return group


def record_request(actor: Member, space: Space, **overrides: object) -> DeletionRequest:
    fields: dict[str, object] = {
        "requester": "family",
        "relationship": "長男",
        "asked_on": timezone.localdate() - timedelta(days=1),
        "channel": "phone",
        "channel_note": "",
    }
    fields.update(overrides)
    return actions.request_deletion(actor, space_id=space.pk, **fields)  # type: ignore[arg-type]


def asked_on() -> date:
    return timezone.localdate() - timedelta(days=1)


# Scans ----------------------------------------------------------------------------------------


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace") + " " + bytes(value).hex()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def scan_database(markers: list[str]) -> list[str]:
    """Every row of every table (ordinary tables and, on SQLite, the FTS5 tables and their
    shadow tables), every column read back through SQL, searched for the markers; returns
    "table: marker" for each find. Works on SQLite and PostgreSQL."""
    found = []
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor, include_views=False)
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = sorted(set(tables) | {row[0] for row in cursor.fetchall()})
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                text = " ".join(_as_text(v) for v in row)
                for m in markers:
                    if m in text or m.encode().hex() in text:
                        found.append(f"{table}: {m}")
    return sorted(set(found))


def database_files() -> list[Path]:
    """The SQLite database file and its WAL (empty on PostgreSQL)."""
    if connection.vendor != "sqlite":
        return []
    name = Path(connection.settings_dict["NAME"])
    return [p for p in (name, Path(f"{name}-wal")) if p.exists()]


def _read_elsewhere(path: Path) -> bytes:
    """The file's bytes, read by another process.

    A database file opened and closed by this process outside SQLite drops every POSIX lock
    the process holds on it (SQLite's documented caveat), so the connections this process keeps
    open would go on unprotected: another process could checkpoint and remove the WAL under
    them."""
    return subprocess.run(["cat", str(path)], capture_output=True, check=True).stdout


def scan_bytes(paths: list[Path], markers: list[str]) -> list[str]:
    found = []
    for path in paths:
        data = _read_elsewhere(path)
        for m in markers:
            for encoded in {m.encode("utf-8"), m.encode("utf-16-le"), m.lower().encode()}:
                if encoded in data:
                    found.append(f"{path.name}: {m}")
    return sorted(set(found))


def stored_files(data_dir: Path) -> list[Path]:
    folder = data_dir / "files"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
