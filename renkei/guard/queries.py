"""What the guard reads: the region's patients, its members' names and its facilities.

Each check loads them afresh (one query each, so a patient added a moment ago is known at
once). Building the lookup tables costs more than loading the rows, so the last tables built are
kept in the process and reused while the rows loaded are exactly the same; nothing else is
cached, and another worker needs nothing from here.
"""

from __future__ import annotations

import threading
from typing import Any

from renkei.accounts.models import Member
from renkei.facilities.models import Facility
from renkei.guard.detector import Patient, PatientIndex, build_index
from renkei.spaces.models import PatientRecord, SpaceState

_lock = threading.Lock()
_last: tuple[Any, PatientIndex] | None = None


def region_index() -> PatientIndex:
    """The lookup tables of every patient of the region's patient groups (archived and frozen
    ones too: their patients are no less patients), with the members' names and the
    facilities' numbers and addresses that the guard lets pass."""
    global _last
    patients = tuple(
        PatientRecord.objects.exclude(space__state=SpaceState.DELETED)
        .order_by("space_id")
        .values_list("space_id", "name", "furigana", "birth_date", "address", "phone")
    )
    members = tuple(Member.objects.order_by("id").values_list("name", "furigana"))
    facilities = tuple(Facility.objects.order_by("id").values_list("address", "tel", "fax"))
    data = (patients, members, facilities)
    with _lock:
        if _last is not None and _last[0] == data:
            return _last[1]
    index = build_index(
        (Patient(*row) for row in patients), member_names=members, facilities=facilities
    )
    with _lock:
        _last = (data, index)
    return index
