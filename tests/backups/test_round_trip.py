"""Backup and restore of a whole region (R2.3, R3.5): the restored installation equals the one
backed up, table by table and file by file; a damaged file, a wrong key, a non-empty
installation or a different master key are refused before anything is written; and a patient
group completely deleted after the backup does not come back from it."""

from __future__ import annotations

import io
import tarfile

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.core.management.base import SystemCheckError
from django.db import connection

from renkei.accounts.models import Member, UserSession
from renkei.attachments.actions import open_attachment
from renkei.attachments.models import Attachment
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.audit.record import verify_chain
from renkei.backups.archive import restore_backup, restore_marker, verify_backup
from renkei.backups.crypto import DecryptingReader
from renkei.erasure.actions import execute_deletion
from renkei.erasure.models import DeletionRequest, Tombstone
from renkei.spaces.models import Space, SpaceKey, SpaceState
from renkei.timeline.actions import post_message
from renkei.timeline.models import Post
from tests.backups.conftest import BACKUP_KEY
from tests.backups.helpers import file_snapshot, settle, table_snapshot, wipe
from tests.erasure.helpers import filled_group, record_request, scan_bytes, scan_database
from tests.spaces.helpers import patient_group

pytestmark = [pytest.mark.django_db(transaction=True)]


def _backup(tmp_path, name="region.backup"):
    settle()
    out = tmp_path / name
    call_command("backup", "--out", str(out), verbosity=0)
    return out


def _restore(*args: str) -> str:
    out = io.StringIO()
    call_command("restore", *args, stdout=out)
    return out.getvalue()


def _opened_bytes(member: Member) -> dict[str, bytes]:
    """Every attachment the member can open, decrypted, by public id."""
    return {
        str(a.public_id): open_attachment(member, public_id=a.public_id).data
        for a in Attachment.objects.filter(space__memberships__member=member).distinct()
    }


@pytest.mark.rule("R2.3")
def test_a_region_round_trips_table_by_table_and_file_by_file(region, data_dir, tmp_path):
    filled_group(region)
    other = patient_group(region, region.nurse)
    post_message(region.nurse, space_id=other.pk, body="夕方の様子です")
    opened = _opened_bytes(region.doctor)  # audited: before the snapshot
    settle()
    tables = table_snapshot()
    files = file_snapshot(data_dir)
    assert files
    assert opened
    assert tables["timeline_post"][0] >= 5

    backup = _backup(tmp_path)
    assert (data_dir / "ledger" / "erasures.jsonl").exists()
    assert not any(marker in backup.read_bytes() for marker in (b"PDFTEXT", "朝霞".encode()))

    wipe(data_dir)
    assert not Member.objects.exists()
    assert not file_snapshot(data_dir)
    report = _restore("--from", str(backup))

    assert "Restored" in report
    assert "0 erased again" in report
    assert table_snapshot(skip_last_audit=True) == tables
    assert file_snapshot(data_dir) == files
    assert AuditEvent.objects.order_by("-id").first().action == AuditAction.BACKUP_RESTORED
    assert verify_chain()[1] is None
    doctor = Member.objects.get(pk=region.doctor.pk)
    assert _opened_bytes(doctor) == opened
    assert not restore_marker().exists()


@pytest.mark.rule("R2.3")
def test_a_damaged_backup_is_refused_and_nothing_is_written(region, data_dir, tmp_path):
    filled_group(region)
    backup = _backup(tmp_path)
    wipe(data_dir)
    blob = bytearray(backup.read_bytes())
    for where in (len(blob) // 2, len(blob) - 5):
        damaged = tmp_path / f"damaged-{where}.backup"
        changed = bytearray(blob)
        changed[where] ^= 0x40
        damaged.write_bytes(bytes(changed))
        with pytest.raises(CommandError, match="damaged or was altered"):
            _restore("--from", str(damaged))
        assert not Member.objects.exists()
        assert not Space.objects.exists()
        assert not file_snapshot(data_dir)
        assert not restore_marker().exists()
        assert not [p for p in data_dir.iterdir() if p.name.startswith(".restore-")]


@pytest.mark.rule("R2.3")
def test_a_wrong_or_missing_key_is_refused(region, data_dir, tmp_path, monkeypatch):
    backup = _backup(tmp_path)
    wipe(data_dir)
    monkeypatch.setenv("RENKEI_BACKUP_KEY", "another-key-" + "y" * 40)
    with pytest.raises(CommandError, match="backup key does not open"):
        _restore("--from", str(backup))
    monkeypatch.delenv("RENKEI_BACKUP_KEY")
    with pytest.raises(CommandError, match="No backup key"):
        _restore("--from", str(backup))
    with pytest.raises(CommandError, match="No backup key"):
        call_command("backup", "--out", str(tmp_path / "x.backup"))
    assert not (tmp_path / "x.backup").exists()
    assert not Member.objects.exists()


@pytest.mark.rule("R2.3")
def test_restore_refuses_a_non_empty_installation_and_another_master_key(
    region, data_dir, tmp_path, settings
):
    backup = _backup(tmp_path)
    with pytest.raises(CommandError, match="only onto an empty installation"):
        _restore("--from", str(backup))
    wipe(data_dir)
    settings.MASTER_KEY = "another-master-key-" + "z" * 40
    with pytest.raises(CommandError, match="master key differs"):
        _restore("--from", str(backup))
    assert not Member.objects.exists()


@pytest.mark.rule("R3.5")
def test_restore_refuses_without_the_deletion_ledger_or_with_an_altered_one(
    region, data_dir, tmp_path
):
    backup = _backup(tmp_path)
    ledger = data_dir / "ledger" / "erasures.jsonl"
    kept = tmp_path / "erasures.jsonl"
    ledger.rename(kept)
    wipe(data_dir)
    with pytest.raises(CommandError, match="No deletion ledger"):
        _restore("--from", str(backup))
    kept.write_text(kept.read_text().replace('"genesis"', '"genesis "'))
    with pytest.raises(CommandError, match="wrong signature"):
        _restore("--from", str(backup), "--ledger", str(kept))
    assert not Member.objects.exists()


@pytest.mark.rule("R3.5")
def test_a_completely_deleted_group_does_not_come_back_from_an_older_backup(
    region, data_dir, tmp_path
):
    group = filled_group(region)
    kept_group = patient_group(region, region.nurse)
    post_message(region.nurse, space_id=kept_group.pk, body="継続 KEEPMARK の記録")
    markers = list(group.markers.values())
    folder = data_dir / "files" / str(group.space.public_id)
    assert scan_database(markers)
    assert any(folder.iterdir())

    backup = _backup(tmp_path)  # made before the deletion: it holds the group
    request = record_request(region.doctor, group.space)
    execute_deletion(region.operator, request_id=request.pk)
    assert not folder.exists()

    wipe(data_dir)
    report = _restore("--from", str(backup))

    assert "1 erased again" in report
    assert str(group.space.public_id) in report
    space = Space.objects.get(pk=group.space.pk)
    assert space.state == SpaceState.DELETED
    assert space.name == ""
    assert scan_database(markers) == []
    assert not folder.exists()
    stored = [p for p in (data_dir / "files").rglob("*") if p.is_file()]
    assert scan_bytes(stored, markers) == []
    assert all(str(group.space.public_id) not in str(p) for p in stored)
    key = SpaceKey.objects.get(space=space)
    assert key.wrapped is None
    assert key.destroyed_at is not None
    assert not Post.objects.filter(space=space).exists()
    tombstone = Tombstone.objects.get(space=space)
    assert tombstone.request.public_id == request.public_id
    assert tombstone.executed_by_id_snapshot == region.operator.pk
    assert DeletionRequest.objects.get(public_id=request.public_id).state == "executed"
    event = AuditEvent.objects.filter(action=AuditAction.ERASURE_REAPPLIED).get()
    assert event.object_id == str(group.space.public_id)
    # The other group is back whole.
    assert Post.objects.filter(space=kept_group, body__contains="KEEPMARK").exists()
    if connection.vendor == "sqlite":
        from tests.erasure.helpers import database_files

        assert scan_bytes(database_files(), markers) == []


@pytest.mark.rule("R3.5")
def test_a_deletion_requested_after_the_backup_comes_back_with_its_tombstone(
    region, data_dir, tmp_path
):
    """The backup predates even the request: the request and tombstone are made again from
    the ledger's ids and dates."""
    group = filled_group(region)
    backup = _backup(tmp_path)
    request = record_request(region.doctor, group.space)
    execute_deletion(region.operator, request_id=request.pk)
    wipe(data_dir)
    _restore("--from", str(backup))
    tombstone = Tombstone.objects.get(space_id=group.space.pk)
    assert tombstone.request.public_id == request.public_id
    assert tombstone.requested_by_name == region.doctor.name
    assert scan_database(list(group.markers.values())) == []


@pytest.mark.rule("R3.5")
def test_a_backup_made_after_the_deletion_restores_it_as_deleted(region, data_dir, tmp_path):
    group = filled_group(region)
    request = record_request(region.doctor, group.space)
    execute_deletion(region.operator, request_id=request.pk)
    backup = _backup(tmp_path)
    wipe(data_dir)
    report = _restore("--from", str(backup))
    assert "0 erased again" in report
    assert Tombstone.objects.filter(space_id=group.space.pk).count() == 1
    assert scan_database(list(group.markers.values())) == []


@pytest.mark.rule("R2.3")
def test_the_backup_holds_no_key_and_no_ledger(region, data_dir, tmp_path, settings):
    """Decrypted, the backup holds neither the master key, the secret key, the backup key
    nor the deletion ledger: a stolen backup and its key do not open the spaces' files."""
    filled_group(region)
    backup = _backup(tmp_path)
    with open(backup, "rb") as raw:
        reader = DecryptingReader(raw, BACKUP_KEY.encode())
        plain = reader.read()
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        names = tar.getnames()
    assert names[0].startswith("database/")
    assert names[-1] == "manifest.json"
    assert not [n for n in names if "ledger" in n or "key" in n]
    for secret in (settings.MASTER_KEY, settings.SECRET_KEY, BACKUP_KEY):
        assert secret.encode() not in plain


@pytest.mark.rule("R3.5")
def test_an_interrupted_restore_is_flagged_until_the_ledger_is_applied(region, data_dir, tmp_path):
    group = filled_group(region)
    backup = _backup(tmp_path)
    request = record_request(region.doctor, group.space)
    execute_deletion(region.operator, request_id=request.pk)
    wipe(data_dir)
    # A restore that stopped after the data came back, before the ledger was applied.
    manifest = verify_backup(backup, BACKUP_KEY.encode())
    restore_marker().write_text(manifest["created_at"])
    restore_backup(backup, BACKUP_KEY.encode(), manifest)
    assert Post.objects.filter(space_id=group.space.pk).exists()
    with pytest.raises(SystemCheckError, match=r"renkei\.backups\.E001"):
        call_command("check")

    report = _restore("--reapply-ledger")

    assert "1 erased again" in report
    assert not restore_marker().exists()
    assert not Post.objects.filter(space_id=group.space.pk).exists()
    call_command("check")


@pytest.mark.rule("R2.3")
def test_restore_ends_every_session_it_brings_back(region, data_dir, tmp_path, client_for):
    """A session signed out, or opened on a device reported lost, after the backup must not
    become valid again: every restored session is ended and everyone signs in again."""
    client_for(region.doctor)
    client_for(region.nurse)
    assert UserSession.objects.filter(ended_at__isnull=True).count() == 2
    backup = _backup(tmp_path)
    wipe(data_dir)

    report = _restore("--from", str(backup))

    assert "Every session ended (2)" in report
    assert UserSession.objects.count() == 2
    assert not UserSession.objects.filter(ended_at__isnull=True).exists()
    assert not Session.objects.exists()
