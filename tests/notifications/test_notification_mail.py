"""The notification mail: content-free (no patient name, group name or post text), one per
member and space until read, per-kind choices, never sent twice, sent after commit in the
background and by the worker command. Through a real SMTP server on loopback."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from renkei.notifications import mail
from renkei.notifications.actions import mark_all_notifications_read, set_email_choices
from renkei.notifications.models import Notification
from renkei.spaces import actions as space_actions
from renkei.timeline.actions import mark_read, post_message
from tests.spaces.helpers import patient, patient_group, record_consent
from tests.support.approval import approve_pending
from tests.support.smtp import wait_for_background_sender

CANARY_PATIENT = "灯台守カナリア"
CANARY_GROUP = "金糸雀研究会"
CANARY_BODY = "canary-本文-7f3a 独自の書き込み"


def canary_spaces(region):
    pg = space_actions.create_patient_group(
        region.doctor,
        facility_id=region.clinic.pk,
        patient=patient(name=CANARY_PATIENT, key_person=f"長男 {CANARY_PATIENT}"),
    )
    record_consent(pg, by=region.doctor)  # the patient signed form 4 (R3.2)
    space_actions.invite_to_patient_group(
        region.doctor, space_id=pg.pk, member_ids=[region.nurse.pk, region.pharmacist.pk]
    )
    approve_pending(pg)  # the pharmacist, approved by the pharmacy (R2.10)
    gr = space_actions.create_group(
        region.care_manager, name=CANARY_GROUP, member_ids=[region.nurse.pk]
    )
    co = space_actions.request_connection(region.pharmacist, member_id=region.nurse.pk)
    return pg, gr, co


def everything(message) -> str:
    from tests.support.smtp import Mailbox

    return f"{message['Subject']}\n{Mailbox.body(message)}\n{message.as_string()}"


@pytest.mark.rule("R2.6")
def test_mail_holds_no_patient_name_group_name_or_post_content(region, smtp):
    pg, gr, co = canary_spaces(region)
    post_message(region.doctor, space_id=pg.pk, body=f"@ns.sato {CANARY_BODY}")
    post_message(region.care_manager, space_id=gr.pk, body=CANARY_BODY)
    mail.send_pending()
    received = smtp.to(region.nurse.email)
    assert len(received) == 3  # one per space: patient group, group, connection request
    for message in received:
        text = everything(message)
        for canary in (CANARY_PATIENT, CANARY_GROUP, CANARY_BODY, "canary", "7f3a"):
            assert canary not in text
    subjects = sorted(str(m["Subject"]).strip() for m in received)
    assert subjects == sorted(
        [
            "【連携】患者グループに新しいお知らせがあります",
            "【連携】グループに新しいお知らせがあります",
            "【連携】つながりに新しいお知らせがあります",
        ]
    )
    bodies = {str(m["Subject"]).strip(): everything(m) for m in received}
    assert f"/{pg.public_id}/" in bodies["【連携】患者グループに新しいお知らせがあります"]
    assert f"/{gr.public_id}/" in bodies["【連携】グループに新しいお知らせがあります"]
    assert f"/{co.public_id}/" in bodies["【連携】つながりに新しいお知らせがあります"]
    for message in received:
        assert "佐藤 花子 様" in everything(message)
        assert "/notifications/settings/" in everything(message)


def test_one_mail_per_space_until_read(region, smtp):
    space = patient_group(region, region.nurse)
    mark_all_notifications_read(region.nurse)
    first = post_message(region.doctor, space_id=space.pk, body="一件目")
    mail.send_pending()
    assert len(smtp.to(region.nurse.email)) == 1
    # More posts, a mention and a 了解 request: still unread, so no more mail.
    post_message(region.doctor, space_id=space.pk, body="二件目")
    post_message(region.doctor, space_id=space.pk, body="@ns.sato 三件目")
    post_message(region.doctor, space_id=space.pk, body="四件目", ack_from=[region.nurse.pk])
    mail.send_pending()
    assert len(smtp.to(region.nurse.email)) == 1
    assert not Notification.objects.filter(mailed_at__isnull=True).exists()
    # Once the nurse has read the space, the next news mails again.
    latest = post_message(region.doctor, space_id=space.pk, body="五件目")
    mark_read(region.nurse, space_id=space.pk, up_to_post_id=latest.pk)
    post_message(region.doctor, space_id=space.pk, body="六件目")
    mail.send_pending()
    assert len(smtp.to(region.nurse.email)) == 2
    assert first.pk < latest.pk


def test_choices_per_kind_of_space_default_on(region, smtp, client_for):
    pg, gr, co = canary_spaces(region)
    page = client_for(region.nurse).get("/notifications/settings/").content.decode()
    assert page.count("checked") == 3  # on until turned off
    response = client_for(region.nurse).post(
        "/notifications/settings/", {"patient_group": "on", "connection": "on"}
    )
    assert response.status_code == 302
    mail.send_pending()
    subjects = sorted(str(m["Subject"]).strip() for m in smtp.to(region.nurse.email))
    assert subjects == sorted(
        [
            "【連携】患者グループに新しいお知らせがあります",
            "【連携】つながりに新しいお知らせがあります",
        ]
    )
    # The rows of the group are decided, not left for later.
    group_rows = Notification.objects.filter(member=region.nurse, space=gr)
    assert all(r.mailed_at is not None and not r.mail_sent for r in group_rows)
    assert pg is not None
    assert co is not None


def test_choices_are_the_members_own(region):
    choices = set_email_choices(region.nurse, choices={"group": False})
    assert choices == {"patient_group": True, "group": False, "connection": True}
    from renkei.notifications.queries import email_choices

    assert email_choices(region.doctor) == {
        "patient_group": True,
        "group": True,
        "connection": True,
    }
    from renkei.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        set_email_choices(region.nurse, choices={"secret": False})
    assert email_choices(region.nurse)["group"] is False


def test_no_mail_for_what_the_member_may_no_longer_read(region, smtp):
    space = patient_group(region, region.pharmacist)
    post_message(region.doctor, space_id=space.pk, body="処方の件")
    space_actions.remove_member(region.doctor, space_id=space.pk, member_id=region.pharmacist.pk)
    mail.send_pending()
    assert smtp.to(region.pharmacist.email) == []
    assert not Notification.objects.filter(mailed_at__isnull=True).exists()


def test_a_row_is_claimed_once(region):
    space = patient_group(region, region.nurse)
    row = Notification.objects.filter(member=region.nurse, space=space).first()
    assert mail._claim(row.pk) is True
    assert mail._claim(row.pk) is False


def test_mail_server_away_hands_rows_back(region, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # nothing listens here
    settings.EMAIL_TIMEOUT = 2
    patient_group(region, region.nurse)
    assert mail.send_pending() == 0
    row = Notification.objects.get(member=region.nurse)
    assert row.mailed_at is None
    assert row.mail_sent is False


def test_the_worker_command_sends_once(region, smtp, capsys):
    patient_group(region, region.nurse, region.pharmacist)
    call_command("send_notifications", "--once")
    assert "2 sent" in capsys.readouterr().out
    call_command("send_notifications", "--once")
    assert "0 sent" in capsys.readouterr().out
    assert len(smtp.messages) == 2


@pytest.mark.django_db(transaction=True)
def test_a_post_is_mailed_in_the_background_after_commit(region, smtp):
    space = patient_group(region, region.nurse)
    wait_for_background_sender()
    assert len(smtp.to(region.nurse.email)) == 1  # added to the patient group
    mark_all_notifications_read(region.nurse)
    post_message(region.doctor, space_id=space.pk, body="訪問日の変更")
    wait_for_background_sender()
    assert len(smtp.to(region.nurse.email)) == 2
    assert not Notification.objects.filter(mailed_at__isnull=True).exists()


def test_inside_an_open_transaction_nothing_is_sent_yet(
    region, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        patient_group(region, region.nurse)
    assert mail._thread is None
    assert smtp.messages == []
    assert Notification.objects.filter(mailed_at__isnull=True).count() == 1
