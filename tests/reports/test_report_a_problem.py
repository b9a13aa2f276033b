"""Reporting a problem to the secretariat: facility admins about their facility (R2.10),
patient group admins about their patient group (R3.5); everyone else meets 404."""

from __future__ import annotations

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.errors import NotFound
from renkei.reports import actions
from renkei.reports.models import Report, ReportSource, ReportStatus
from tests.api.spaces_cast import patient_group

FORM = {"category": "device", "title": "端末の不具合", "body": "ログインできない端末があります。"}


def _new_facility_url(region, facility=None) -> str:
    return f"/reports/facility/{(facility or region.clinic).public_id}/new/"


@pytest.mark.rule("R2.10")
def test_a_facility_admin_reports_a_problem_of_its_facility(
    region, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(region.clinic_admin)
    page = client.get(_new_facility_url(region)).content.decode()
    assert "data-no-patient-details" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_new_facility_url(region), FORM)
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/reports/{report.public_id}/"
    assert report.source == ReportSource.FACILITY
    assert report.facility == region.clinic
    assert report.reporter == region.clinic_admin
    assert report.status == ReportStatus.OPEN
    assert [(h.from_status, h.to_status) for h in report.history.all()] == [("", "open")]
    event = AuditEvent.objects.get(action=AuditAction.REPORT_RAISED)
    assert event.actor_id == region.clinic_admin.pk
    assert event.object_id == str(report.pk)
    assert event.facility_id == region.clinic.pk
    assert "端末" not in str(event.detail)
    assert "端末" not in event.object_label
    # The secretariat hears of it by mail, without the report's text.
    to_secretariat = [m for m in mailoutbox if region.secretariat.email in m.to]
    assert to_secretariat
    assert "ログイン" not in to_secretariat[0].body
    assert str(report.public_id) in to_secretariat[0].body
    assert report.title in client.get("/reports/").content.decode()


@pytest.mark.rule("R2.10")
@pytest.mark.parametrize(
    "who", ["nurse", "care_manager", "helper", "secretariat", "operator", "pharmacist"]
)
def test_only_the_facility_s_admins_report_about_it(region, client_for, who):
    member = getattr(region, who)
    client = client_for(member)
    assert client.get(_new_facility_url(region)).status_code == 404
    assert client.post(_new_facility_url(region), FORM).status_code == 404
    with pytest.raises(NotFound):
        actions.raise_report(member, facility_id=region.clinic.pk, **FORM)
    assert not Report.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_RAISED).exists()


@pytest.mark.rule("R2.10")
def test_a_report_needs_a_title_a_text_and_a_category(region, client_for):
    client = client_for(region.clinic_admin)
    response = client.post(_new_facility_url(region), {**FORM, "title": "", "category": "x"})
    assert response.status_code == 400
    with pytest.raises(actions.ValidationFailed):
        actions.raise_report(
            region.clinic_admin, facility_id=region.clinic.pk, title=" ", body="x", category="other"
        )
    assert not Report.objects.exists()


@pytest.mark.rule("R3.5")
def test_a_patient_group_admin_reports_a_problem_of_the_patient_group(region, client_for):
    space = patient_group(region, region.nurse, region.pharmacist)
    url = f"/reports/patient-group/{space.public_id}/new/"
    members_page = client_for(region.doctor).get(f"/spaces/{space.public_id}/members/")
    assert url in members_page.content.decode()
    page = client_for(region.doctor).get(url).content.decode()
    assert "data-no-patient-details" in page
    response = client_for(region.doctor).post(url, FORM)
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.source == ReportSource.PATIENT_GROUP
    assert report.space == space
    assert report.facility == region.clinic  # the lead facility, for the inbox filter
    # Only what the reporter typed: no patient name anywhere in the report or its audit row.
    patient_name = space.patient.name
    assert patient_name not in report.title + report.body
    event = AuditEvent.objects.get(action=AuditAction.REPORT_RAISED)
    assert event.detail["space_id"] == space.pk
    assert patient_name not in str(event.detail) + event.object_label


@pytest.mark.rule("R3.5")
@pytest.mark.parametrize("who", ["nurse", "pharmacist", "clinic_admin", "helper", "secretariat"])
def test_other_members_do_not_report_about_the_patient_group(region, client_for, who):
    space = patient_group(region, region.nurse, region.pharmacist)
    url = f"/reports/patient-group/{space.public_id}/new/"
    client = client_for(getattr(region, who))
    assert client.get(url).status_code == 404
    assert client.post(url, FORM).status_code == 404
    assert url not in client.get(f"/spaces/{space.public_id}/members/").content.decode()
    with pytest.raises(NotFound):
        actions.raise_report(getattr(region, who), space_id=space.pk, **FORM)
    assert not Report.objects.exists()


def test_the_facility_page_links_its_admins_to_the_report_form(region, client_for):
    url = _new_facility_url(region)
    assert (
        url
        in client_for(region.clinic_admin)
        .get(f"/facilities/{region.clinic.public_id}/")
        .content.decode()
    )
    assert (
        url
        not in client_for(region.nurse)
        .get(f"/facilities/{region.clinic.public_id}/")
        .content.decode()
    )
