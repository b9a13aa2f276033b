"""What the guard reads: the region's patients, its members' names and its facilities.

Building the lookup tables means loading every patient record, member name and facility
address, so the last tables built are kept in the process with the version of the data they
were built from. Database triggers give that version a new value in the same transaction as
any write to what the tables read (renkei.guard.triggers), so a check reads one row and loads
the rest only when the version moved: a patient added a moment ago, by any path, is known at
the next check. Nothing else is cached, and another worker needs nothing from here.
"""

from __future__ import annotations

import threading

from django.db.models import QuerySet

from renkei.accounts.models import Member
from renkei.facilities.models import Facility
from renkei.guard.detector import Patient, PatientIndex, build_index
from renkei.guard.models import IndexVersion
from renkei.prepared import prepared
from renkei.spaces.models import PatientRecord, SpaceState

_lock = threading.Lock()
_last: tuple[int, PatientIndex] | None = None


@prepared
def _version() -> QuerySet[IndexVersion, int]:
    return IndexVersion.objects.filter(pk=IndexVersion.ROW).values_list("value", flat=True)


def region_index() -> PatientIndex:
    """The lookup tables of every patient of the region's patient groups (archived and frozen
    ones too: their patients are no less patients), with the members' names and the
    facilities' numbers and addresses that the guard lets pass."""
    global _last
    # The version is read before the rows: a write committed in between is then in the rows
    # but not in the version kept with them, so the next check rebuilds once more. The
    # reverse, tables kept under a version newer than their rows, cannot happen.
    version = _version.first()
    with _lock:
        if version is not None and _last is not None and _last[0] == version:
            return _last[1]
    index = _build()
    # Without the row (its table was emptied) nothing says when the rows change.
    if version is not None:
        with _lock:
            _last = (version, index)
    return index


def _build() -> PatientIndex:
    patients = (
        PatientRecord.objects.exclude(space__state=SpaceState.DELETED)
        .order_by("space_id")
        .values_list("space_id", "name", "furigana", "birth_date", "address", "phone")
    )
    members = Member.objects.order_by("id").values_list("name", "furigana")
    facilities = Facility.objects.order_by("id").values_list("address", "tel", "fax")
    return build_index(
        (Patient(*row) for row in patients), member_names=members, facilities=facilities
    )
