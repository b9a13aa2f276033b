"""R2.9: education sessions (date, topic, attendees among the facility's staff) and who is
overdue under the policy's education interval (default 12 months)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.facilities.models import Affiliation
from renkei.pledges import actions, queries
from renkei.pledges.models import EducationSession
from renkei.policy.actions import change_policy
from renkei.policy.queries import current_policy
from tests.pledges.helpers import pledges_url

pytestmark = pytest.mark.rule("R2.9")


def test_the_default_interval_is_twelve_months(db):
    assert current_policy().education_interval_months == 12


def test_add_months_keeps_within_the_month():
    assert queries.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert queries.add_months(date(2025, 11, 15), 12) == date(2026, 11, 15)


def test_a_session_is_recorded_with_its_attendees(region, client_for):
    client = client_for(region.doctor)
    held_on = timezone.localdate() - timedelta(days=7)
    response = client.post(
        pledges_url(region.clinic, "education/"),
        {
            "held_on": held_on.isoformat(),
            "topic": "個人情報保護とIT機器のセキュリティ",
            "attendees": [str(region.nurse.public_id), str(region.shared_nurse.public_id)],
        },
    )
    assert response.status_code == 302
    session = EducationSession.objects.get()
    assert session.held_on == held_on
    assert {a.member for a in session.attendees.all()} == {region.nurse, region.shared_nurse}
    event = AuditEvent.objects.get(action=AuditAction.EDUCATION_RECORDED)
    assert event.detail["attendees"] == 2
    page = client.get(pledges_url(region.clinic)).content.decode()
    assert "個人情報保護とIT機器のセキュリティ" in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"topic": "研修", "attendees": "nurse"}, "held_on"),
        ({"held_on": "2026-01-10", "attendees": "nurse"}, "topic"),
        ({"held_on": "2026-01-10", "topic": "研修"}, "attendees"),
        ({"held_on": "2026-01-10", "topic": "研修", "attendees": "pharmacist"}, "attendees"),
    ],
)
def test_incomplete_sessions_or_outsiders_are_refused(region, data, field):
    attendees = [region.cast[data["attendees"]].public_id] if "attendees" in data else []
    with pytest.raises(actions.ValidationFailed) as caught:
        actions.record_education(
            region.clinic_admin,
            facility_public_id=region.clinic.public_id,
            held_on=date.fromisoformat(data["held_on"]) if "held_on" in data else None,
            topic=data.get("topic", ""),
            attendee_ids=attendees,
        )
    assert field in caught.value.errors
    assert EducationSession.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditAction.EDUCATION_RECORDED).exists()


def test_overdue_staff_follow_the_policy_interval(region):
    clinic = region.clinic
    today = timezone.localdate()
    # The nurse and the care manager were registered two years ago; the nurse attended a
    # session five months ago, the care manager none.
    Affiliation.objects.filter(facility=clinic).update(registered_on=today - timedelta(days=730))
    Affiliation.objects.filter(member=region.clinic_admin, facility=clinic).update(
        registered_on=today - timedelta(days=30)
    )
    actions.record_education(
        region.clinic_admin,
        facility_public_id=clinic.public_id,
        held_on=today - timedelta(days=150),
        topic="研修",
        attendee_ids=[region.nurse.public_id],
    )
    access = queries.pledge_access(region.clinic_admin, clinic.public_id)
    overdue = {a.member for a in queries.overdue_staff(access)}
    assert region.care_manager in overdue
    assert region.doctor in overdue
    assert region.nurse not in overdue
    assert region.clinic_admin not in overdue  # registered a month ago

    change_policy(region.secretariat, changes={"education_interval_months": 3})
    overdue = {a.member for a in queries.overdue_staff(access)}
    assert region.nurse in overdue
    assert region.clinic_admin not in overdue

    change_policy(region.secretariat, changes={"education_interval_months": 36})
    assert queries.overdue_staff(access) == []
