"""``manage.py verify_audit`` finds the first broken link of the audit trail's hash chain after
an event is altered, deleted or inserted out of order directly in the database, the way an
attacker with database access would (R2.3, issue 6 item 10). SQL only, on SQLite and
PostgreSQL alike."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.audit.record import event_hash, record
from renkei.audit.verify import verify_events
from tests.audit.tamper import unguarded


def _run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def trail(region) -> list[AuditEvent]:
    """Five events, the middle ones about a facility, in time order."""
    events = [record(AuditAction.SIGN_IN, actor=region.nurse)]
    for member in (region.doctor, region.pharmacist, region.care_manager):
        events.append(
            record(
                AuditAction.STAFF_REGISTERED,
                actor=region.clinic_admin,
                object_type="member",
                object_id=member.pk,
                facility=region.clinic,
                detail={"number": member.pk},
            )
        )
    events.append(record(AuditAction.SIGN_OUT, actor=region.nurse))
    return events


def _sql(statement: str, params: list[object]) -> None:
    with unguarded(), connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.rule("R2.3")
def test_an_intact_trail_is_reported_ok_with_its_count_and_head(trail):
    code, out, _ = _run()
    total = AuditEvent.objects.count()
    newest = AuditEvent.objects.order_by("-id").first()
    assert code == 0
    assert out.startswith(f"OK: {total} events, chain intact.")
    assert f"Head {newest.pk}:{newest.hash}" in out
    # The head printed once is accepted as an anchor later.
    assert _run("--anchor", f"{newest.pk}:{newest.hash}")[0] == 0


@pytest.mark.rule("R2.3")
def test_an_altered_detail_is_named_at_that_event(trail):
    target = trail[2]
    _sql(
        "UPDATE audit_auditevent SET detail = %s WHERE id = %s",
        [json.dumps({"number": 999}), target.pk],
    )
    code, _, err = _run()
    assert code == 1
    assert f"BROKEN at event #{target.pk}" in err
    assert "[altered]" in err
    report = verify_events()
    assert report.broken is not None
    assert report.broken.event_id == target.pk
    assert report.last_id == trail[1].pk


@pytest.mark.rule("R2.3")
def test_a_deleted_event_is_named_at_the_event_after_it(trail):
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [trail[2].pk])
    code, _, err = _run()
    assert code == 1
    assert f"BROKEN at event #{trail[3].pk}" in err
    assert "[missing]" in err
    assert f"between event #{trail[1].pk}" in err


@pytest.mark.rule("R2.3")
def test_the_first_events_deleted_are_found_too(trail):
    _sql("DELETE FROM audit_auditevent WHERE id <= %s", [trail[1].pk])
    first_left = AuditEvent.objects.order_by("id").first()
    code, _, err = _run()
    assert code == 1
    assert f"BROKEN at event #{first_left.pk}" in err
    assert "[missing]" in err


def _forge(*, event_id: int, prev_hash: str, at, region) -> None:  # type: ignore[no-untyped-def]
    """Insert an event with a correct hash of its own, as someone who knows the algorithm."""
    fields = {
        "at": at,
        "action": int(AuditAction.SIGN_IN),
        "actor_id": region.helper.pk,
        "actor_label": region.helper.audit_label,
        "object_type": "",
        "object_id": "",
        "object_label": "",
        "facility_id": None,
        "ip": None,
        "user_agent": "",
        "detail": {},
    }
    digest = event_hash(prev_hash=prev_hash, **fields)
    _sql(
        "INSERT INTO audit_auditevent (id, at, action, actor_id, actor_label, object_type, "
        "object_id, object_label, facility_id, ip, user_agent, detail, prev_hash, hash) "
        "VALUES (%s, %s, %s, %s, %s, '', '', '', NULL, NULL, '', %s, %s, %s)",
        [
            event_id,
            connection.ops.adapt_datetimefield_value(at),
            fields["action"],
            fields["actor_id"],
            fields["actor_label"],
            "{}",
            prev_hash,
            digest,
        ],
    )


@pytest.mark.rule("R2.3")
def test_an_event_inserted_before_others_is_found_at_the_next_one(trail, region):
    # Slipped in before the first event with an id nobody uses, chained from the start.
    first = AuditEvent.objects.order_by("id").first()
    forged_id = first.pk - 1
    _forge(event_id=forged_id, prev_hash="0" * 64, at=first.at - timedelta(hours=1), region=region)
    code, _, err = _run()
    assert code == 1
    assert f"BROKEN at event #{first.pk}" in err
    assert "[out_of_order]" in err
    assert f"not to event #{forged_id}" in err


@pytest.mark.rule("R2.3")
def test_an_event_appended_with_an_earlier_time_is_found(trail, region):
    # Correctly chained to the newest event, but back-dated to before it happened.
    newest = trail[-1]
    _forge(
        event_id=newest.pk + 1,
        prev_hash=newest.hash,
        at=trail[0].at - timedelta(days=1),
        region=region,
    )
    code, _, err = _run()
    assert code == 1
    assert f"BROKEN at event #{newest.pk + 1}" in err
    assert "[out_of_order]" in err


@pytest.mark.rule("R2.3")
def test_a_rewritten_chain_is_found_by_the_anchor_kept_elsewhere(trail, region):
    anchor = trail[2]
    # Rewrite everything from the anchor on, each hash recomputed: consistent in itself.
    _sql("DELETE FROM audit_auditevent WHERE id >= %s", [anchor.pk])
    _forge(event_id=anchor.pk, prev_hash=trail[1].hash, at=anchor.at, region=region)
    assert _run()[0] == 0
    code, _, err = _run("--anchor", f"{anchor.pk}:{anchor.hash}")
    assert code == 1
    assert f"BROKEN at event #{anchor.pk}" in err
    assert "[rewritten]" in err


def test_small_batches_walk_the_whole_trail(trail):
    report = verify_events(batch=2)
    assert report.ok
    assert report.checked == AuditEvent.objects.count()
    assert _run("--batch", "1")[0] == 0


def test_bad_arguments_are_refused(trail):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("verify_audit", "--anchor", "nonsense")
    with pytest.raises(CommandError):
        call_command("verify_audit", "--batch", "0")
