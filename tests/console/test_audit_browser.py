"""The audit trail browser: the secretariat sees every event and filters them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.audit.origin import Origin, origin_of
from renkei.audit.record import record
from tests.audit.tamper import unguarded

URL = "/console/audit/"
TOKYO = ZoneInfo("Asia/Tokyo")


def _set_time(event: AuditEvent, at: datetime) -> None:
    # Events are append-only (models and database); a test moves one in time directly.
    with unguarded(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET at = %s WHERE id = %s",
            [connection.ops.adapt_datetimefield_value(at), event.pk],
        )


@pytest.fixture
def trail(region):
    """A few events of different kinds, facilities, actors and days."""
    with origin_of(Origin(ip="192.0.2.7", user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)")):
        signin = record(AuditAction.SIGN_IN, actor=region.nurse)
    staff = record(
        AuditAction.STAFF_REGISTERED,
        actor=region.clinic_admin,
        object_type="member",
        object_id=region.care_manager.pk,
        object_label=region.care_manager.name,
        facility=region.clinic,
    )
    pharmacy = record(
        AuditAction.ADMIN_APPOINTED,
        actor=region.pharmacist,
        object_type="member",
        object_id=region.pharmacist.pk,
        object_label=region.pharmacist.name,
        facility=region.pharmacy,
    )
    # 1 April 08:00 in Japan is still 31 March in UTC: the filter must count it as 1 April.
    _set_time(signin, datetime(2026, 3, 31, 23, 30, tzinfo=TOKYO))
    _set_time(staff, datetime(2026, 4, 1, 8, 0, tzinfo=TOKYO))
    _set_time(pharmacy, datetime(2026, 4, 2, 12, 0, tzinfo=TOKYO))
    return {"signin": signin, "staff": staff, "pharmacy": pharmacy}


def _ids(response) -> list[int]:
    return [row["event"].pk for row in response.context["rows"]]


def test_secretariat_sees_every_event_newest_first(region, client_for, trail):
    client = client_for(region.secretariat)
    response = client.get(URL)
    assert response.status_code == 200
    ids = _ids(response)
    assert ids == sorted(AuditEvent.objects.values_list("id", flat=True), reverse=True)
    html = response.content.decode()
    assert "192.0.2.7" in html
    assert "ログイン" in html
    assert region.clinic.name in html
    assert "2026-03-31 23:30:00" in html


def test_filter_by_action(region, client_for, trail):
    response = client_for(region.secretariat).get(URL, {"action": AuditAction.ADMIN_APPOINTED})
    assert _ids(response) == [trail["pharmacy"].pk]


@pytest.mark.parametrize("text", ["adm.tanaka", "田中", "たなか"])
def test_filter_by_actor_login_id_or_name(region, client_for, trail, text):
    response = client_for(region.secretariat).get(URL, {"actor": text})
    assert _ids(response) == [trail["staff"].pk]


def test_filter_by_facility(region, client_for, trail):
    response = client_for(region.secretariat).get(URL, {"facility": str(region.pharmacy.public_id)})
    assert _ids(response) == [trail["pharmacy"].pk]


def test_filter_by_object_type(region, client_for, trail):
    response = client_for(region.secretariat).get(URL, {"object_type": "member"})
    assert set(_ids(response)) == {trail["staff"].pk, trail["pharmacy"].pk}


def test_filter_by_dates_in_japan_time(region, client_for, trail):
    client = client_for(region.secretariat)
    day = client.get(URL, {"since": "2026-04-01", "until": "2026-04-01"})
    assert _ids(day) == [trail["staff"].pk]
    march = client.get(URL, {"until": "2026-03-31"})
    assert _ids(march) == [trail["signin"].pk]
    later = client.get(URL, {"since": "2026-04-02"})
    assert trail["pharmacy"].pk in _ids(later)
    assert trail["staff"].pk not in _ids(later)


def test_filters_combine(region, client_for, trail):
    response = client_for(region.secretariat).get(
        URL, {"object_type": "member", "since": "2026-04-02", "actor": "伊藤"}
    )
    assert _ids(response) == [trail["pharmacy"].pk]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"action": "999"}, "action", "一覧から選んでください。"),
        ({"action": "abc"}, "action", "一覧から選んでください。"),
        ({"facility": "00000000-0000-4000-8000-000000000000"}, "facility", "一覧から"),
        ({"since": "2026-02-30"}, "since", "2026-04-01"),
        ({"since": "2026-04-02", "until": "2026-04-01"}, "until", "終了日は開始日以降"),
        ({"actor": "x" * 61}, "actor", "60文字以内"),
    ],
)
def test_bad_filters_show_a_message_and_no_events(
    region, client_for, trail, params, field, message
):
    response = client_for(region.secretariat).get(URL, params)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    html = response.content.decode()
    assert message in html
    assert "Traceback" not in html
    assert response.context["rows"] == []


def test_pages_of_fifty(region, client_for):
    for _ in range(60):
        record(AuditAction.SIGN_IN, actor=region.nurse)
    client = client_for(region.secretariat)
    first = client.get(URL, {"actor": "ns.sato"})
    assert len(first.context["rows"]) == 50
    assert "page=2" in first.content.decode()
    second = client.get(URL, {"actor": "ns.sato", "page": "2"})
    assert len(second.context["rows"]) == 10
    assert not set(_ids(first)) & set(_ids(second))
    # A page number out of range shows the last page rather than failing.
    assert client.get(URL, {"page": "999"}).status_code == 200
    assert client.get(URL, {"page": "abc"}).status_code == 200


def test_applicant_without_account_is_found_by_label(region, client_for, apply):
    apply("ひかり介護サービス")
    response = client_for(region.secretariat).get(URL, {"actor": "高橋"})
    rows = response.context["rows"]
    assert [r["event"].action for r in rows] == [AuditAction.FACILITY_APPLIED]


def test_long_user_agents_are_shortened(region, client_for):
    agent = "Mozilla/5.0 " + "X" * 200
    with origin_of(Origin(ip="192.0.2.8", user_agent=agent)):
        record(AuditAction.SIGN_IN, actor=region.nurse)
    html = client_for(region.secretariat).get(URL, {"actor": "ns.sato"}).content.decode()
    assert f'title="{agent}"' in html
    assert f">{agent}<" not in html


def test_todays_event_is_found_by_todays_date(region, client_for):
    event = record(AuditAction.SIGN_IN, actor=region.nurse)
    today = event.at.astimezone(TOKYO).date()
    response = client_for(region.secretariat).get(
        URL, {"since": today.isoformat(), "until": today.isoformat(), "actor": "ns.sato"}
    )
    assert event.pk in _ids(response)
    yesterday = (today - timedelta(days=1)).isoformat()
    response = client_for(region.secretariat).get(URL, {"until": yesterday, "actor": "ns.sato"})
    assert event.pk not in _ids(response)
