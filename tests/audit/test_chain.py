"""The audit trail is append-only and hash-chained."""

import pytest
from django.db import DatabaseError, connection, transaction

from renkei.audit.events import AuditAction
from renkei.audit.guard import installed
from renkei.audit.models import AppendOnlyError, AuditEvent
from renkei.audit.origin import Origin, origin_of
from renkei.audit.record import record, verify_chain
from tests.audit.tamper import unguarded


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
    with unguarded(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_label = %s WHERE id = %s", ["forged", target.pk]
        )
    _, broken = verify_chain()
    assert broken is not None
    assert broken.pk == target.pk


@pytest.mark.rule("R2.3")
def test_the_database_refuses_to_change_an_audit_row(region):
    event = record(AuditAction.SIGN_IN, actor=region.nurse)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_label = %s WHERE id = %s", ["forged", event.pk]
        )
    assert AuditEvent.objects.get(pk=event.pk).actor_label == event.actor_label


@pytest.mark.rule("R2.3")
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite: deletions are found by the chain"
)
def test_postgresql_refuses_to_delete_an_audit_row(region):
    event = record(AuditAction.SIGN_IN, actor=region.nurse)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def _drop_triggers() -> None:
    from renkei.audit.guard import TRIGGERS, remove

    remove(connection)
    assert not installed(connection) & set(TRIGGERS)


@pytest.mark.rule("R2.3")
def test_a_trigger_dropped_by_a_table_rebuild_comes_back_after_migrate(region):
    from django.core.management import call_command

    _drop_triggers()  # what SQLite's table rebuild in a later migration does
    call_command("migrate", verbosity=0)
    event = record(AuditAction.SIGN_IN, actor=region.nurse)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_label = %s WHERE id = %s", ["forged", event.pk]
        )


def test_the_triggers_stay_away_while_their_migration_is_not_applied(region):
    from django.db.migrations.recorder import MigrationRecorder

    from renkei.audit.guard import MIGRATION, restore_after_migrate

    _drop_triggers()
    MigrationRecorder(connection).record_unapplied(*MIGRATION)  # migrated back past it
    restore_after_migrate(sender=None)
    assert not installed(connection)
