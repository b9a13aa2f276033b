"""R3.5 on SQLite: deleted text is overwritten in the database file, not only unlinked — also
text that edits and deletions freed earlier while secure_delete was off (a SQLite built
without it, or a database from before), and the WAL is left empty."""

from __future__ import annotations

import pytest
from django.db import connection

from renkei.erasure.actions import execute_deletion
from renkei.timeline.actions import delete_post, edit_post, post_message
from tests.erasure.helpers import (
    database_files,
    filled_group,
    marker,
    record_request,
    scan_bytes,
    scan_database,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.rule("R3.5")]


@pytest.fixture(autouse=True)
def _sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("the database file is read byte for byte on SQLite only")


def _secure_delete() -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        return int(cursor.fetchone()[0])


def test_text_freed_before_with_secure_delete_off_is_gone_from_the_file(region):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete = 0")
    group = filled_group(region)
    markers = list(group.markers.values())
    for i in range(30):
        token = marker(f"D{i}")
        markers.append(token)
        post = post_message(region.doctor, space_id=group.space.pk, body=f"{token} {'x' * i * 37}")
        if i % 2:
            delete_post(region.doctor, post_id=post.pk)
        else:
            edit_post(region.doctor, post_id=post.pk, body="訂正")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # Freed but not overwritten: the file still holds text that no row holds any more.
    in_file = {found.split(": ")[1] for found in scan_bytes(database_files(), markers)}
    in_rows = {found.split(": ")[1] for found in scan_database(markers)}
    assert in_file - in_rows

    request = record_request(region.doctor, group.space)
    execute_deletion(region.operator, request_id=request.pk)

    assert scan_database(markers) == []
    assert scan_bytes(database_files(), markers) == []
    wal = [p for p in database_files() if p.name.endswith("-wal")]
    assert all(p.stat().st_size == 0 for p in wal)
    # The connection's own setting is given back after the erasure.
    assert _secure_delete() == 0
