"""R2.6: the guard's index is rebuilt exactly when what it reads has changed, by any path.

Database triggers move one version row on every write to patient records, members' names,
facilities' addresses and numbers and spaces' states; a check reads that row and reuses the
index it built while the version stands. Each change below is tried through a path that sends
no signal (``QuerySet.update()``, ``bulk_create``, ``QuerySet.delete()``) as well as the ORM.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from renkei.accounts.models import Member
from renkei.facilities.models import Facility
from renkei.guard import triggers
from renkei.guard.checks import GuardBlocked
from renkei.guard.models import IndexVersion
from renkei.guard.queries import region_index
from renkei.spaces.models import PatientRecord, Space, SpaceKind, SpaceState
from renkei.timeline.actions import post_message
from tests.spaces.helpers import group, patient_group
from tests.support.region import Region

NEW = "鷺宮 澄江"
NAMING_NEW = "鷺宮澄江さんの件で相談です。"
NAMING_FIRST = "朝霞花子さんの件で相談です。"  # the patient of tests.spaces.helpers.patient()


@pytest.fixture
def talk(region: Region) -> Space:
    """A group of the clinic's staff, where no patient may be named."""
    return group(region, region.doctor, region.nurse)


@pytest.fixture
def first(region: Region) -> Space:
    """A patient group, and an index built and kept before anything below changes."""
    space = patient_group(region)
    region_index()
    return space


def _version() -> int:
    return IndexVersion.objects.get(pk=IndexVersion.ROW).value


def _posts(region: Region, talk: Space, body: str) -> None:
    post_message(region.nurse, space_id=talk.pk, body=body)


def _refused(region: Region, talk: Space, body: str) -> None:
    with pytest.raises(GuardBlocked):
        post_message(region.nurse, space_id=talk.pk, body=body)


def _record(region: Region, name: str = NEW) -> PatientRecord:
    space = Space.objects.create(kind=SpaceKind.PATIENT_GROUP, lead_facility=region.clinic)
    return PatientRecord(
        space=space,
        name=name,
        furigana="さぎのみや すみえ",
        birth_date=date(1935, 2, 3),
        sex="female",
        address="埼玉県所沢市緑町4-5-6",
        phone="04-2900-1234",
    )


@pytest.mark.rule("R2.6")
@pytest.mark.parametrize("how", ["save", "bulk_create"])
def test_a_patient_added_is_known_at_the_next_check(region, talk, first, how):
    _posts(region, talk, NAMING_NEW)
    record = _record(region)
    if how == "save":
        record.save()
    else:
        PatientRecord.objects.bulk_create([record])
    _refused(region, talk, NAMING_NEW)


@pytest.mark.rule("R2.6")
@pytest.mark.parametrize("how", ["save", "update"])
def test_a_patient_renamed_is_known_at_the_next_check(region, talk, first, how):
    _refused(region, talk, NAMING_FIRST)
    _posts(region, talk, NAMING_NEW)
    if how == "save":
        record = first.patient
        record.name = NEW
        record.save()
    else:
        PatientRecord.objects.filter(space=first).update(name=NEW)
    _refused(region, talk, NAMING_NEW)
    _posts(region, talk, NAMING_FIRST)


@pytest.mark.rule("R2.6")
def test_a_patient_removed_is_forgotten_at_the_next_check(region, talk, first):
    _record(region).save()
    _refused(region, talk, NAMING_NEW)
    PatientRecord.objects.filter(name=NEW).delete()
    _posts(region, talk, NAMING_NEW)


@pytest.mark.rule("R2.6")
def test_a_members_new_name_is_known_at_the_next_check(region, talk, first):
    # A family name shared with a member no longer counts as a patient's with さん.
    _record(region).save()
    _refused(region, talk, "鷺宮さんに電話しました。")
    Member.objects.filter(pk=region.helper.pk).update(name="鷺宮 一郎")
    _posts(region, talk, "鷺宮さんに電話しました。")


@pytest.mark.rule("R2.6")
def test_nothing_changed_reuses_the_index_with_one_query(region, first):
    built = region_index()
    with CaptureQueriesContext(connection) as queries:
        again = region_index()
    assert again is built
    assert len(queries) == 1
    assert IndexVersion._meta.db_table in queries[0]["sql"]


@pytest.mark.rule("R2.6")
def test_signing_in_does_not_rebuild_the_index(region, first):
    built, before = region_index(), _version()
    member = Member.objects.get(pk=region.nurse.pk)
    member.last_login = timezone.now()
    member.save(update_fields=["last_login"])
    Member.objects.filter(pk=member.pk).update(last_login=timezone.now())
    member.save()  # every column written, none changed
    assert _version() == before
    assert region_index() is built


def _rows(region: Region, table: str) -> QuerySet[Any]:
    return {
        "patient": PatientRecord.objects.all(),
        "member": Member.objects.filter(pk=region.nurse.pk),
        "facility": Facility.objects.filter(pk=region.clinic.pk),
        "space": Space.objects.filter(kind=SpaceKind.PATIENT_GROUP),
    }[table]


def _new_space(region: Region) -> Space:
    return Space.objects.create(kind=SpaceKind.PATIENT_GROUP, lead_facility=region.clinic)


# Each write through QuerySet.update(), and whether the index reads what it changes.
WRITES = [
    ("patient", "furigana", "さぎのみや", True),
    ("patient", "birth_date", date(1940, 1, 1), True),
    ("patient", "address", "所沢市緑町1-1", True),
    ("patient", "phone", "04-2900-9999", True),
    ("patient", "space", _new_space, True),
    ("patient", "key_person", "長女", False),
    ("patient", "name", "朝霞 花子", False),  # the same name again
    ("member", "furigana", "かわ", True),
    ("member", "email", "nurse@example.jp", False),
    ("facility", "address", "和光市1-1", True),
    ("facility", "tel", "048-000-0000", True),
    ("facility", "fax", "048-000-0001", True),
    ("facility", "name", "新しい名前", False),
    ("space", "state", SpaceState.DELETED, True),
    ("space", "state", SpaceState.ARCHIVED, True),
    ("space", "name", "新しい名前", False),
]


@pytest.mark.rule("R2.6")
@pytest.mark.parametrize(
    ("table", "column", "value", "moves"), WRITES, ids=[f"{t}.{c}" for t, c, *_ in WRITES]
)
def test_the_version_moves_exactly_when_what_the_index_reads_changes(
    region, first, table, column, value, moves
):
    built, before = region_index(), _version()
    _rows(region, table).update(**{column: value(region) if callable(value) else value})
    assert (_version() != before) is moves
    assert (region_index() is built) is not moves


class _Undone(Exception):
    pass


def _add_a_patient_and_roll_back(region: Region) -> None:
    with transaction.atomic():
        _record(region).save()
        assert "鷺宮澄江" in region_index().names
        raise _Undone


@pytest.mark.rule("R2.6")
def test_a_change_rolled_back_leaves_no_index_a_later_change_could_reuse(region, first):
    # The same writes twice, once rolled back: a counter would reach the same value both times.
    with pytest.raises(_Undone):
        _add_a_patient_and_roll_back(region)
    _record(region, "所沢 美代").save()
    names = region_index().names
    assert "所沢美代" in names
    assert "鷺宮澄江" not in names


@pytest.mark.rule("R2.6")
def test_the_triggers_watch_the_tables_and_columns_the_index_reads():
    models = {m._meta.db_table: m for m in (PatientRecord, Member, Facility, Space)}
    for source in triggers.SOURCES:
        columns = {f.column for f in models[source.table]._meta.concrete_fields}
        assert set(source.columns) <= columns, source.table
    assert IndexVersion._meta.db_table == triggers.VERSION_TABLE


@pytest.mark.rule("R2.6")
@pytest.mark.django_db
def test_every_trigger_is_installed_and_comes_back_after_migrate():
    every = triggers.installed(connection)
    assert len(every) == (10 if connection.vendor == "sqlite" else 7)
    dropped = sorted(every)[0]
    table = next(s.table for s in triggers.SOURCES if dropped.startswith(f"guard_{s.table}_"))
    on = f" ON {table}" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {dropped}{on}")
    assert dropped not in triggers.installed(connection)
    before = _version()
    triggers.restore_after_migrate(sender=None, using=connection.alias)
    assert triggers.installed(connection) == every
    assert _version() != before  # what changed while it was missing is loaded afresh


@pytest.mark.rule("R2.6")
@pytest.mark.django_db
def test_after_migrate_the_version_stays_and_an_emptied_table_gets_its_row_back():
    before = _version()
    triggers.restore_after_migrate(sender=None, using=connection.alias)
    assert _version() == before  # a restored backup keeps the version it was taken with
    IndexVersion.objects.all().delete()
    assert region_index() is not region_index()  # nothing says when the rows change
    triggers.restore_after_migrate(sender=None, using=connection.alias)
    assert IndexVersion.objects.filter(pk=IndexVersion.ROW).exists()
