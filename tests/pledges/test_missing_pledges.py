"""R2.9: the region-wide lists of who has no pledge on file, for the compliance overview:
managers without form 1, other staff without form 2; an issued form is not enough, a signed or
recorded one is, and deregistered staff drop out."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from renkei.facilities.models import Affiliation
from renkei.pledges import actions, queries
from tests.attachments import samples

pytestmark = pytest.mark.rule("R2.9")


def _members(rows) -> set:
    return {row.member for row in rows}


def test_who_is_missing_a_pledge_and_when_it_is_fixed(region, django_capture_on_commit_callbacks):
    managers = {region.doctor, region.pharmacist, region.visiting_nurse}
    assert _members(queries.managers_without_form1()) == managers
    staff = _members(queries.staff_without_form2())
    assert {region.nurse, region.care_manager, region.clinic_admin} <= staff
    assert region.doctor not in staff
    assert region.helper not in staff

    clinic = region.clinic.public_id
    actions.issue_pledge_form(region.clinic_admin, facility_public_id=clinic, form=1)
    assert region.doctor in _members(queries.managers_without_form1())  # issued only
    actions.record_existing_pledge(
        region.clinic_admin, facility_public_id=clinic, form=1, signed_on=date(2025, 4, 1)
    )
    assert region.doctor not in _members(queries.managers_without_form1())

    with django_capture_on_commit_callbacks(execute=True):
        actions.record_signed_pledge(
            region.clinic_admin,
            facility_public_id=clinic,
            form=2,
            member_public_id=region.nurse.public_id,
            signed_on=timezone.localdate(),
            document=samples.upload("a.pdf", samples.pdf()),
        )
    assert region.nurse not in _members(queries.staff_without_form2())

    Affiliation.objects.filter(member=region.care_manager).update(lost_on=timezone.localdate())
    assert region.care_manager not in _members(queries.staff_without_form2())
