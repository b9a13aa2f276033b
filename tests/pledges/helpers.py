"""Builders for the pledge tests."""

from __future__ import annotations

from renkei.facilities.models import Facility
from renkei.pledges.models import Pledge


def pledges_url(facility: Facility, rest: str = "") -> str:
    return f"/facilities/{facility.public_id}/pledges/{rest}"


def pledge_of(member, form: int = 2) -> Pledge | None:
    return Pledge.objects.filter(affiliation__member=member, form=form).first()
