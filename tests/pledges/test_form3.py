"""F3: the facility's form 3 (誓約同意書, with its user list) moves not issued → issued (its
manager or an admin downloads it) → signed (the signed scan uploaded back, checked by content,
stored encrypted with the facility's key), may be issued again after a change, and keeps its
history; the scan is served to the keepers and the secretariat only; every step audited."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.pledges.models import Agreement
from tests.attachments import samples
from tests.pledges.helpers import pledges_url

pytestmark = [pytest.mark.rule("F3"), pytest.mark.rule("R2.9")]

MARKER = "SIGNED-FORM3-MARKER"
OUTSIDERS = ["nurse", "care_manager", "shared_nurse", "pharmacist", "visiting_nurse", "helper"]


def _state_on_page(client, facility) -> str:
    page = client.get(pledges_url(facility)).content.decode()
    return page.split('id="form3" data-state="')[1].split('"')[0]


def _upload(client, facility, document, signed_on=None):
    return client.post(
        pledges_url(facility, "form3/signed/"),
        {
            "signed_on": (signed_on or timezone.localdate()).isoformat(),
            "document": document,
        },
    )


@pytest.mark.parametrize("actor", ["clinic_admin", "doctor"])
def test_form3_goes_from_not_issued_to_issued_to_signed(
    region, client_for, actor, data_dir: Path, django_capture_on_commit_callbacks
):
    clinic = region.clinic
    client = client_for(region.cast[actor])
    assert _state_on_page(client, clinic) == "not_issued"

    response = client.get(pledges_url(clinic, "form3.pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    agreement = Agreement.objects.get(facility=clinic)
    assert agreement.state == "issued"
    assert agreement.issued_by_id == region.cast[actor].pk
    assert _state_on_page(client, clinic) == "issued"
    issued = AuditEvent.objects.get(action=AuditAction.PLEDGE_FORM_ISSUED)
    assert issued.object_id == str(clinic.public_id)
    assert issued.detail == {"form": 3, "agreement": str(agreement.public_id)}

    signed_on = timezone.localdate() - timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(
            client, clinic, samples.upload("同意書.pdf", samples.pdf(MARKER)), signed_on
        )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.state == "signed"
    assert agreement.signed_on == signed_on
    assert agreement.document_type == "application/pdf"
    assert agreement.recorded_by_id == region.cast[actor].pk
    assert _state_on_page(client, clinic) == "signed"
    event = AuditEvent.objects.get(action=AuditAction.PLEDGE_SIGNED)
    assert event.detail["form"] == 3
    assert event.detail["agreement"] == str(agreement.public_id)

    (stored,) = [p for p in (data_dir / "pledges").rglob("*") if p.is_file()]
    assert stored.parent.name == str(clinic.public_id)
    assert stored.name == f"{agreement.document_id}.bin"
    assert MARKER.encode() not in stored.read_bytes()
    assert b"%PDF" not in stored.read_bytes()
    page = client.get(pledges_url(clinic)).content.decode()
    url = pledges_url(clinic, f"form3/{agreement.public_id}/document/")
    assert url in page
    served = client.get(url)
    assert served.status_code == 200
    assert served["Cache-Control"] == "private, no-store"
    assert MARKER.encode() in served.content
    viewed = AuditEvent.objects.get(action=AuditAction.PLEDGE_DOCUMENT_VIEWED)
    assert viewed.detail == {"form": 3, "agreement": str(agreement.public_id)}


def test_a_resubmitted_form3_is_issued_again_and_the_history_kept(
    region, client_for, django_capture_on_commit_callbacks
):
    clinic = region.clinic
    client = client_for(region.clinic_admin)
    client.get(pledges_url(clinic, "form3.pdf"))
    client.get(pledges_url(clinic, "form3.pdf"))  # downloaded twice: still one pending form
    assert Agreement.objects.filter(facility=clinic).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert _upload(client, clinic, samples.upload("a.jpg", samples.jpeg())).status_code == 302
    first = Agreement.objects.get(facility=clinic)
    assert first.document_type == "image/jpeg"

    # A change of manager or staff: the form is issued again, the signed one stays on record.
    client.get(pledges_url(clinic, "form3.pdf"))
    assert Agreement.objects.filter(facility=clinic).count() == 2
    assert _state_on_page(client, clinic) == "issued"
    page = client.get(pledges_url(clinic)).content.decode()
    assert f'id="form3-{first.public_id}" data-state="signed"' in page
    with django_capture_on_commit_callbacks(execute=True):
        assert _upload(client, clinic, samples.upload("b.png", samples.png())).status_code == 302
    assert _state_on_page(client, clinic) == "signed"
    assert sorted(a.state for a in Agreement.objects.filter(facility=clinic)) == [
        "signed",
        "signed",
    ]
    assert AuditEvent.objects.filter(action=AuditAction.PLEDGE_FORM_ISSUED).count() == 3
    assert AuditEvent.objects.filter(action=AuditAction.PLEDGE_SIGNED).count() == 2


def test_form3_cannot_be_uploaded_before_it_is_issued(region, client_for, data_dir: Path):
    client = client_for(region.clinic_admin)
    response = _upload(client, region.clinic, samples.upload("a.pdf", samples.pdf()))
    assert response.status_code == 302
    assert not Agreement.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.PLEDGE_SIGNED).exists()
    assert not (data_dir / "pledges").exists()


@pytest.mark.parametrize(
    "document",
    [
        lambda: samples.upload("form3.pdf", samples.exe()),
        lambda: samples.upload("form3.docx", samples.docx()),
        lambda: samples.upload("form3.svg", samples.svg()),
        lambda: None,
    ],
)
def test_a_wrong_file_is_refused_and_nothing_saved(
    region, client_for, document, data_dir: Path, django_capture_on_commit_callbacks
):
    clinic = region.clinic
    client = client_for(region.clinic_admin)
    client.get(pledges_url(clinic, "form3.pdf"))
    data = {"signed_on": timezone.localdate().isoformat()}
    upload = document()
    if upload is not None:
        data["document"] = upload
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(pledges_url(clinic, "form3/signed/"), data)
    assert response.status_code == 422
    assert "PDF" in response.content.decode()
    agreement = Agreement.objects.get(facility=clinic)
    assert agreement.state == "issued"
    assert agreement.document_id is None
    assert not AuditEvent.objects.filter(action=AuditAction.PLEDGE_SIGNED).exists()
    assert not (data_dir / "pledges").exists()


def test_the_secretariat_downloads_form3_without_issuing_it(region, client_for):
    client = client_for(region.secretariat)
    assert client.get(pledges_url(region.clinic, "form3.pdf")).status_code == 200
    assert not Agreement.objects.exists()
    assert _state_on_page(client, region.clinic) == "not_issued"
    assert client.get(pledges_url(region.clinic, "form3/signed/")).status_code == 404


def test_the_signed_form3_is_served_to_the_keepers_and_the_secretariat_only(
    region, client_for, django_capture_on_commit_callbacks
):
    clinic = region.clinic
    admin = client_for(region.clinic_admin)
    admin.get(pledges_url(clinic, "form3.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        _upload(admin, clinic, samples.upload("a.pdf", samples.pdf("FORM3-COPY")))
    agreement = Agreement.objects.get(facility=clinic)
    url = pledges_url(clinic, f"form3/{agreement.public_id}/document/")
    for who in ("secretariat", "doctor", "clinic_admin"):
        response = client_for(region.cast[who]).get(url)
        assert response.status_code == 200, who
        assert b"FORM3-COPY" in response.content
    for who in OUTSIDERS:
        assert client_for(region.cast[who]).get(url).status_code == 404, who
    other = pledges_url(region.pharmacy, f"form3/{agreement.public_id}/document/")
    assert client_for(region.pharmacist).get(other).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.PLEDGE_DOCUMENT_VIEWED).count() == 3


@pytest.mark.parametrize("who", OUTSIDERS)
def test_others_cannot_issue_or_upload_form3(region, client_for, who, data_dir: Path):
    client = client_for(region.cast[who])
    assert client.get(pledges_url(region.clinic, "form3.pdf")).status_code == 404
    assert client.get(pledges_url(region.clinic, "form3/signed/")).status_code == 404
    response = _upload(client, region.clinic, samples.upload("a.pdf", samples.pdf()))
    assert response.status_code == 404
    assert not Agreement.objects.exists()
    assert not (data_dir / "pledges").exists()
