"""The secretariat's inbox: filters, status flow with its history, and comments that notify
the other side (R2.10, R3.5)."""

from __future__ import annotations

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.errors import NotFound, RuleViolation
from renkei.reports import actions
from renkei.reports.models import Report, ReportComment, ReportStatus

FORM = {"category": "operation", "title": "通知が届かない", "body": "メール通知が届きません。"}


def _report(region, *, by=None, facility=None, title="通知が届かない") -> Report:
    by = by or region.clinic_admin
    facility = facility or region.clinic
    return actions.raise_report(by, facility_id=facility.pk, **{**FORM, "title": title})


@pytest.mark.rule("R2.10")
def test_the_inbox_lists_every_report_and_filters_by_status_and_facility(region, client_for):
    _report(region, title="クリニックの件")
    pharmacy = _report(region, by=region.pharmacist, facility=region.pharmacy, title="薬局の件")
    actions.change_report_status(region.secretariat, report_id=pharmacy.pk, status="closed")
    client = client_for(region.secretariat)
    page = client.get("/reports/inbox/").content.decode()
    assert "クリニックの件" in page
    assert "薬局の件" in page
    page = client.get("/reports/inbox/?status=open").content.decode()
    assert "クリニックの件" in page
    assert "薬局の件" not in page
    page = client.get(f"/reports/inbox/?facility={region.pharmacy.public_id}").content.decode()
    assert "クリニックの件" not in page
    assert "薬局の件" in page


@pytest.mark.rule("R2.10")
@pytest.mark.parametrize("who", ["clinic_admin", "doctor", "nurse", "pharmacist", "helper"])
def test_the_inbox_is_the_secretariat_s_alone(region, client_for, who):
    _report(region)
    assert client_for(getattr(region, who)).get("/reports/inbox/").status_code == 404


@pytest.mark.rule("R2.10")
def test_a_reporter_sees_only_their_own_reports(region, client_for):
    mine = _report(region, title="自分の報告")
    other = _report(region, by=region.pharmacist, facility=region.pharmacy, title="他の報告")
    client = client_for(region.clinic_admin)
    page = client.get("/reports/").content.decode()
    assert "自分の報告" in page
    assert "他の報告" not in page
    assert client.get(f"/reports/{mine.public_id}/").status_code == 200
    assert client.get(f"/reports/{other.public_id}/").status_code == 404
    # Another admin of the same facility does not read it either: reports are the reporter's.
    assert client_for(region.doctor).get(f"/reports/{mine.public_id}/").status_code == 404
    assert client_for(region.helper).get(f"/reports/{mine.public_id}/").status_code == 404


@pytest.mark.rule("R2.10")
def test_the_status_goes_open_in_progress_closed_with_history(
    region, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    report = _report(region)
    client = client_for(region.secretariat)
    url = f"/reports/{report.public_id}/status/"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"status": "in_progress"}).status_code == 302
    assert client.post(url, {"status": "closed"}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED
    history = [(h.from_status, h.to_status, h.actor_id) for h in report.history.all()]
    assert history == [
        ("", "open", region.clinic_admin.pk),
        ("open", "in_progress", region.secretariat.pk),
        ("in_progress", "closed", region.secretariat.pk),
    ]
    events = AuditEvent.objects.filter(action=AuditAction.REPORT_STATUS_CHANGED).order_by("id")
    assert [e.detail for e in events] == [
        {"from": "open", "to": "in_progress"},
        {"from": "in_progress", "to": "closed"},
    ]
    assert any(region.clinic_admin.email in m.to for m in mailoutbox)
    page = client_for(region.clinic_admin).get(f"/reports/{report.public_id}/").content.decode()
    assert "対応中" in page
    assert "完了" in page


@pytest.mark.rule("R2.10")
def test_only_the_secretariat_changes_the_status(region, client_for):
    report = _report(region)
    for who in ("clinic_admin", "doctor", "pharmacist", "helper"):
        member = getattr(region, who)
        response = client_for(member).post(
            f"/reports/{report.public_id}/status/", {"status": "closed"}
        )
        assert response.status_code == 404
        with pytest.raises(NotFound):
            actions.change_report_status(member, report_id=report.pk, status="closed")
    report.refresh_from_db()
    assert report.status == ReportStatus.OPEN
    assert report.history.count() == 1
    with pytest.raises(RuleViolation):
        actions.change_report_status(region.secretariat, report_id=report.pk, status="open")
    with pytest.raises(actions.ValidationFailed):
        actions.change_report_status(region.secretariat, report_id=report.pk, status="done")
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_STATUS_CHANGED).exists()


@pytest.mark.rule("R2.10")
def test_comments_notify_the_other_side(
    region, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    report = _report(region)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(region.secretariat).post(
            f"/reports/{report.public_id}/comment/", {"body": "確認します。"}
        )
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [[region.clinic_admin.email]]
    assert "確認します" not in mailoutbox[0].body
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(region.clinic_admin).post(
            f"/reports/{report.public_id}/comment/", {"body": "よろしくお願いします。"}
        )
    recipients = {address for m in mailoutbox for address in m.to}
    assert region.secretariat.email in recipients
    assert region.clinic_admin.email not in recipients
    assert list(ReportComment.objects.values_list("author_id", flat=True)) == [
        region.secretariat.pk,
        region.clinic_admin.pk,
    ]
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_COMMENTED).count() == 2
    page = client_for(region.clinic_admin).get(f"/reports/{report.public_id}/").content.decode()
    assert "確認します。" in page
    assert "よろしくお願いします。" in page


@pytest.mark.rule("R2.10")
def test_others_cannot_comment_and_a_closed_report_takes_none(region, client_for):
    report = _report(region)
    for who in ("doctor", "pharmacist", "helper"):
        response = client_for(getattr(region, who)).post(
            f"/reports/{report.public_id}/comment/", {"body": "x"}
        )
        assert response.status_code == 404
    assert (
        client_for(region.clinic_admin)
        .post(f"/reports/{report.public_id}/comment/", {"body": " "})
        .status_code
        == 400
    )
    actions.change_report_status(region.secretariat, report_id=report.pk, status="closed")
    with pytest.raises(RuleViolation):
        actions.comment_on_report(region.clinic_admin, report_id=report.pk, body="まだです")
    assert not ReportComment.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_COMMENTED).exists()
