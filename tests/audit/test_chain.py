"""The audit trail is append-only and hash-chained."""

import pytest
from django.db import connection

from renkei.audit.events import AuditAction
from renkei.audit.models import AppendOnlyError, AuditEvent
from renkei.audit.origin import Origin, origin_of
from renkei.audit.record import record, verify_chain


def test_events_chain_and_verify(region):
    with origin_of(Origin(ip="192.0.2.10", user_agent="pytest")):
        first = record(AuditAction.SIGN_IN, actor=region.nurse)
        second = record(AuditAction.SIGN_OUT, actor=region.nurse)
    assert second.prev_hash == first.hash
    assert second.ip == "192.0.2.10"
    assert second.user_agent == "pytest"
    checked, broken = verify_chain()
    assert broken is None
    assert checked == AuditEvent.objects.count()


def test_events_cannot_be_changed_or_deleted_through_the_models(region):
    event = record(AuditAction.SIGN_IN, actor=region.nurse)
    event.actor_label = "someone else"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(actor_label="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_altered_event_breaks_the_chain_at_that_event(region):
    record(AuditAction.SIGN_IN, actor=region.nurse)
    target = record(AuditAction.SIGN_IN, actor=region.doctor)
    record(AuditAction.SIGN_OUT, actor=region.doctor)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_label = %s WHERE id = %s", ["forged", target.pk]
        )
    _, broken = verify_chain()
    assert broken is not None
    assert broken.pk == target.pk
