"""R3.2: the signed form is stored encrypted with the group's data key, never at a public URL,
and served only to the group's patient group admins and the lead facility's admins — audited.
Members who are not admins, outsiders and the secretariat get 404."""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.consents import actions
from renkei.errors import NotFound
from tests.attachments import samples
from tests.consents.helpers import by_patient, unconsented_group

pytestmark = pytest.mark.rule("R3.2")

MARKER = "SIGNED-FORM-4-MARKER"


@pytest.fixture
def consented(region, django_capture_on_commit_callbacks):
    space = unconsented_group(region)
    with django_capture_on_commit_callbacks(execute=True):
        row = actions.record_consent(
            region.doctor,
            space_public_id=space.public_id,
            consent=by_patient(),
            document=samples.upload("同意書.pdf", samples.pdf(MARKER)),
        )
    return space, row


def test_the_signed_form_is_encrypted_at_rest(consented, data_dir: Path):
    space, row = consented
    (stored,) = [p for p in (data_dir / "files").rglob("*") if p.is_file()]
    assert stored.parent.name == str(space.public_id)  # erased with the group's files
    blob = stored.read_bytes()
    assert MARKER.encode() not in blob
    assert b"%PDF" not in blob
    from renkei.consents.documents import read_document

    assert MARKER.encode() in (read_document(space, row.document_id) or b"")


@pytest.mark.parametrize("viewer", ["doctor", "clinic_admin"])
def test_admins_open_it_on_the_page_and_through_the_api_and_it_is_audited(
    region, client_for, consented, viewer
):
    space, row = consented
    client = client_for(region.cast[viewer])
    page = client.get(f"/spaces/{space.public_id}/consent/{row.public_id}/document/")
    assert page.status_code == 200
    assert page["Content-Type"] == "application/pdf"
    assert page["Cache-Control"] == "private, no-store"
    assert MARKER.encode() in page.content
    api = client.get(f"/api/v1/patient-groups/{space.public_id}/consent/document")
    assert api.status_code == 200
    assert MARKER.encode() in api.content
    events = AuditEvent.objects.filter(action=AuditAction.CONSENT_DOCUMENT_VIEWED)
    assert events.count() == 2
    assert {e.actor_id for e in events} == {region.cast[viewer].pk}
    assert all(e.detail == {"consent": str(row.public_id)} for e in events)


@pytest.mark.parametrize(
    "viewer", ["nurse", "pharmacist", "care_manager", "helper", "secretariat", "operator"]
)
def test_everybody_else_gets_404_and_nothing_is_audited(region, client_for, consented, viewer):
    """The nurse and the pharmacist are members who are not admins; the care manager works at
    the lead clinic without being a member; the rest are outsiders."""
    space, row = consented
    client = client_for(region.cast[viewer])
    assert (
        client.get(f"/spaces/{space.public_id}/consent/{row.public_id}/document/").status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/patient-groups/{space.public_id}/consent/document").status_code == 404
    )
    assert client.get(f"/api/v1/patient-groups/{space.public_id}/consent/form").status_code == 404
    with pytest.raises(NotFound):
        actions.open_consent_document(
            region.cast[viewer], space_public_id=space.public_id, consent_public_id=None
        )
    assert not AuditEvent.objects.filter(action=AuditAction.CONSENT_DOCUMENT_VIEWED).exists()


def test_a_destroyed_key_leaves_the_form_unreadable(region, client_for, consented):
    from renkei.spaces.keys import destroy_key

    space, _row = consented
    destroy_key(space)
    response = client_for(region.doctor).get(
        f"/api/v1/patient-groups/{space.public_id}/consent/document"
    )
    assert response.status_code == 410


def test_no_signed_form_means_404(region, client_for):
    space = unconsented_group(region)
    client = client_for(region.doctor)
    assert (
        client.get(f"/api/v1/patient-groups/{space.public_id}/consent/document").status_code == 404
    )
