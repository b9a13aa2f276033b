"""R3.5: after complete deletion no marker written into a patient group remains anywhere —
not in any table (SQLite and PostgreSQL), not in the SQLite file or its WAL, not in the file
store — the group's files cannot be reached or decrypted, search finds nothing, and the
certificate states the facts without the patient's name."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from pypdf import PdfReader

from renkei.attachments import storage
from renkei.attachments.models import Attachment
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.erasure.actions import execute_deletion
from renkei.erasure.models import RequestState, Tombstone
from renkei.notifications.models import Notification
from renkei.search.queries import search_posts
from renkei.spaces import keys
from renkei.spaces.models import Membership, PatientRecord, SpaceKey, SpaceState
from renkei.timeline.models import Post, PostVersion
from tests.erasure.helpers import (
    database_files,
    filled_group,
    record_request,
    scan_bytes,
    scan_database,
    stored_files,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.rule("R3.5")]


def test_no_marker_survives_complete_deletion(region, data_dir, client_for):
    group = filled_group(region)
    space, markers = group.space, list(group.markers.values())
    attachments = list(Attachment.objects.filter(space=space))
    assert len(attachments) == 2
    photo = next(a for a in attachments if a.kind == "image")
    assert photo.has_thumbnail
    folder = storage.space_folder(space)
    files_before = stored_files(data_dir)
    # The PDF, the photo, its thumbnail and the signed consent form.
    assert len([p for p in files_before if folder in p.parents]) >= 4
    backup = {p.name: p.read_bytes() for p in files_before}  # a copy, as a backup would keep
    assert Notification.objects.filter(space=space).exists()
    assert PostVersion.objects.filter(post__space=space).count() == 1
    for term in (group.markers["POST"], group.markers["PDFNAME"]):
        assert search_posts(region.doctor, term).hits

    # The scans can fail: before the deletion they find every text marker.
    text_markers = [m for k, m in group.markers.items() if k != "PDFTEXT"]
    assert {f.split(": ")[1] for f in scan_database(markers)} == set(text_markers)
    if connection.vendor == "sqlite":
        assert scan_bytes(database_files(), text_markers)

    request = record_request(region.doctor, space)
    tombstone = execute_deletion(region.operator, request_id=request.pk)

    # (a) every table, every row, every column
    assert scan_database(markers) == []
    # (b) the SQLite file and its WAL, byte for byte
    if connection.vendor == "sqlite":
        paths = database_files()
        assert paths
        assert scan_bytes(paths, markers) == []
        wal = [p for p in paths if p.name.endswith("-wal")]
        assert all(p.stat().st_size == 0 for p in wal)
    # (c) every file under DATA_DIR/files
    assert scan_bytes(stored_files(data_dir), markers) == []
    assert not folder.exists()
    assert not [p for p in stored_files(data_dir) if str(space.public_id) in str(p)]

    # Nothing of the group is left but the emptied space row and its tombstone.
    space.refresh_from_db()
    assert space.state == SpaceState.DELETED
    assert not Post.objects.filter(space=space).exists()
    assert not Attachment.objects.filter(space=space).exists()
    assert not Notification.objects.filter(space=space).exists()
    assert not PatientRecord.objects.filter(space=space).exists()
    assert not Membership.objects.filter(space=space).exists()
    request.refresh_from_db()
    assert request.state == RequestState.EXECUTED

    # The key is destroyed: a backup copy of a file cannot be decrypted.
    key = SpaceKey.objects.get(space=space)
    assert key.wrapped is None
    assert key.destroyed_at is not None
    blob = backup[f"{photo.public_id}.bin"]
    with pytest.raises(keys.KeyDestroyed):
        keys.decrypt(space, blob, context=photo.public_id.bytes)

    # Every path to the group's files answers 404 or 410, for its former members too.
    doctor = client_for(region.doctor)
    for attachment in attachments:
        for url in (f"/files/{attachment.public_id}/", f"/files/{attachment.public_id}/thumbnail/"):
            assert doctor.get(url).status_code in (404, 410)
    assert doctor.get(f"/spaces/{space.public_id}/").status_code == 404
    assert doctor.get(f"/api/v1/spaces/{space.public_id}").status_code == 404
    for post in group.posts:
        assert doctor.get(f"/api/v1/posts/{post.public_id}").status_code == 404

    # Search finds nothing, through the query and through the index itself.
    for term in markers:
        assert not search_posts(region.doctor, term).hits
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for fts in ("search_post_fts", "search_attachment_fts"):
                for term in (group.markers["POST"], group.markers["PDFNAME"]):
                    cursor.execute(
                        f"SELECT count(*) FROM {fts} WHERE {fts} MATCH %s",  # noqa: S608
                        [f'"{term}"'],
                    )
                    assert cursor.fetchone()[0] == 0

    # The tombstone holds facts and counts only.
    assert Tombstone.objects.get() == tombstone
    counts = tombstone.counts
    assert counts["posts"] == 3
    assert counts["replies"] == 1
    assert counts["versions"] == 1
    assert counts["attachments"] == 2
    assert counts["photos"] == 1
    assert counts["thumbnails"] == 1
    assert counts["acknowledgements"] == 1
    assert counts["notifications"] >= 1
    assert counts["patient_records"] == 1
    assert counts["files"] >= 4
    event = AuditEvent.objects.get(action=AuditAction.PATIENT_GROUP_ERASED)
    assert event.actor_id == region.operator.pk
    assert event.object_id == str(space.public_id)

    # The certificate opens, states the facts, embeds its font and names no patient.
    response = client_for(region.operator).get(
        f"/erasure/tombstones/{space.public_id}/certificate.pdf"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    compact = text.replace(" ", "").replace("\n", "")
    assert "完全削除証明書" in compact
    assert str(space.public_id) in compact
    assert region.clinic.name in compact
    assert "家族" in compact
    assert "長男" in compact
    assert region.operator.name.replace(" ", "") in compact
    assert region.doctor.name.replace(" ", "") in compact
    for m in markers:
        assert m not in compact
    fonts = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]
    assert any("/FontFile2" in f.get("/FontDescriptor", {}) for f in fonts)
