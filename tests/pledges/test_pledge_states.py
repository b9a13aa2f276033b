"""R2.9, F1, F2: a staff member's pledge moves not issued → issued (the prefilled form is
downloaded) → signed (the signed scan uploaded back, checked by content, stored encrypted with
the facility's key); the manager's form 1 the same way; every step audited with ids only."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pypdf
import pytest
from django.utils import timezone

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.pledges import actions
from renkei.pledges.models import Pledge, PledgeState
from tests.attachments import samples
from tests.pledges.helpers import pledge_of, pledges_url

pytestmark = pytest.mark.rule("R2.9")

MARKER = "SIGNED-PLEDGE-MARKER"


def _state_on_page(client, facility, number: int) -> str:
    page = client.get(pledges_url(facility)).content.decode()
    return page.split(f'id="pledge-{number}" data-state="')[1].split('"')[0]


@pytest.mark.rule("F2")
@pytest.mark.parametrize("actor", ["clinic_admin", "doctor"])
def test_form2_goes_from_not_issued_to_issued_to_signed(
    region, client_for, actor, data_dir: Path, django_capture_on_commit_callbacks
):
    clinic, nurse = region.clinic, region.nurse
    client = client_for(region.cast[actor])
    assert pledge_of(nurse) is None
    assert _state_on_page(client, clinic, 2) == "not_issued"

    response = client.get(pledges_url(clinic, f"members/{nurse.public_id}/form2.pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert nurse.name.replace(" ", "") in text.replace(" ", "")
    assert pledge_of(nurse).state == PledgeState.ISSUED
    assert _state_on_page(client, clinic, 2) == "issued"
    issued = AuditEvent.objects.get(action=AuditAction.PLEDGE_FORM_ISSUED)
    assert issued.actor_id == region.cast[actor].pk
    assert issued.object_id == str(nurse.public_id)
    assert issued.detail["form"] == 2

    signed_on = timezone.localdate() - timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            pledges_url(clinic, f"form2/{nurse.public_id}/signed/"),
            {
                "signed_on": signed_on.isoformat(),
                "document": samples.upload("誓約書.pdf", samples.pdf(MARKER)),
            },
        )
    assert response.status_code == 302
    pledge = pledge_of(nurse)
    assert pledge.state == PledgeState.SIGNED
    assert pledge.signed_on == signed_on
    assert pledge.document_type == "application/pdf"
    assert _state_on_page(client, clinic, 2) == "signed"
    event = AuditEvent.objects.get(action=AuditAction.PLEDGE_SIGNED)
    assert nurse.name not in str(event.detail)

    (stored,) = [p for p in (data_dir / "pledges").rglob("*") if p.is_file()]
    assert stored.parent.name == str(clinic.public_id)
    assert MARKER.encode() not in stored.read_bytes()
    assert b"%PDF" not in stored.read_bytes()
    served = client.get(pledges_url(clinic, f"{pledge.public_id}/document/"))
    assert served.status_code == 200
    assert served["Cache-Control"] == "private, no-store"
    assert MARKER.encode() in served.content
    assert AuditEvent.objects.filter(action=AuditAction.PLEDGE_DOCUMENT_VIEWED).count() == 1


@pytest.mark.rule("F1")
def test_form1_is_the_managers_and_goes_the_same_way(
    region, client_for, django_capture_on_commit_callbacks
):
    clinic = region.clinic
    client = client_for(region.clinic_admin)
    response = client.get(pledges_url(clinic, "form1.pdf"))
    assert response.status_code == 200
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert "一般社団法人朝霞地区医師会" in text
    assert pledge_of(region.doctor, form=1).state == PledgeState.ISSUED
    # The manager owes form 1, not form 2.
    assert (
        client.get(pledges_url(clinic, f"members/{region.doctor.public_id}/form2.pdf")).status_code
        == 404
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            pledges_url(clinic, "form1/signed/"),
            {
                "signed_on": timezone.localdate().isoformat(),
                "document": samples.upload("scan.jpg", samples.jpeg()),
            },
        )
    assert response.status_code == 302
    pledge = pledge_of(region.doctor, form=1)
    assert pledge.state == PledgeState.SIGNED
    assert pledge.document_type == "image/jpeg"


@pytest.mark.rule("F3")
def test_form3_is_downloaded_by_the_secretariat_and_the_admins(region, client_for):
    for who in ("secretariat", "clinic_admin", "doctor"):
        response = client_for(region.cast[who]).get(pledges_url(region.clinic, "form3.pdf"))
        assert response.status_code == 200
        text = "".join(
            p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages
        )
        assert "誓約同意書" in text
        assert region.care_manager.email in text
    assert AuditEvent.objects.filter(action=AuditAction.PLEDGE_FORM_ISSUED).count() == 3


@pytest.mark.parametrize(
    ("name", "data"),
    [("pledge.docx", b"PK\x03\x04 not really a pledge"), ("pledge.pdf", b"plain text")],
)
def test_a_file_that_is_not_a_pdf_or_photo_is_refused_and_nothing_changes(
    region, client_for, name, data, data_dir: Path
):
    client = client_for(region.clinic_admin)
    response = client.post(
        pledges_url(region.clinic, f"form2/{region.nurse.public_id}/signed/"),
        {"signed_on": timezone.localdate().isoformat(), "document": samples.upload(name, data)},
    )
    assert response.status_code == 422
    assert Pledge.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditAction.PLEDGE_SIGNED).exists()
    assert not (data_dir / "pledges").exists()


def test_missing_date_or_file_and_a_future_date_are_refused(region):
    clinic = region.clinic
    with pytest.raises(actions.ValidationFailed) as caught:
        actions.record_signed_pledge(
            region.clinic_admin,
            facility_public_id=clinic.public_id,
            form=2,
            member_public_id=region.nurse.public_id,
            signed_on=timezone.localdate() + timedelta(days=1),
            document=None,
        )
    assert set(caught.value.errors) == {"signed_on", "document"}
    assert Pledge.objects.count() == 0


def test_a_signed_pledge_is_not_replaced(region, django_capture_on_commit_callbacks):
    kwargs = {
        "facility_public_id": region.clinic.public_id,
        "form": 2,
        "member_public_id": region.nurse.public_id,
        "signed_on": timezone.localdate(),
    }
    with django_capture_on_commit_callbacks(execute=True):
        first = actions.record_signed_pledge(
            region.clinic_admin, document=samples.upload("a.pdf", samples.pdf()), **kwargs
        )
    with pytest.raises(actions.DomainError):
        actions.record_signed_pledge(
            region.clinic_admin, document=samples.upload("b.pdf", samples.pdf()), **kwargs
        )
    # Downloading the form again leaves it signed.
    actions.issue_pledge_form(
        region.clinic_admin,
        facility_public_id=region.clinic.public_id,
        form=2,
        member_public_id=region.nurse.public_id,
    )
    first.refresh_from_db()
    assert first.state == PledgeState.SIGNED


def test_staff_of_another_facility_or_a_deregistered_member_cannot_be_reached(region):
    for member in (region.pharmacist, region.helper):
        with pytest.raises(actions.NotFound):
            actions.issue_pledge_form(
                region.clinic_admin,
                facility_public_id=region.clinic.public_id,
                form=2,
                member_public_id=member.public_id,
            )
    assert Pledge.objects.count() == 0
