"""R3.2 / F4: the signed form 4 is recorded by a patient group admin or a facility admin of the
lead facility — date, who signed (patient, family with 続柄, proxy signer with 続柄) and the
signed copy; anyone else is refused, and bad input is refused with nothing saved."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.consents import actions
from renkei.consents.actions import ConsentInput
from renkei.consents.models import ConsentRecord
from renkei.errors import DomainError, Forbidden, NotFound, ValidationFailed
from tests.attachments import samples
from tests.consents.helpers import by_family, by_patient, unconsented_group
from tests.support.consent import signed_form

pytestmark = pytest.mark.rule("R3.2")


def _files(root: Path) -> list[Path]:
    folder = root / "files"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.mark.parametrize("recorder", ["doctor", "clinic_admin"])
def test_a_group_admin_or_a_lead_facility_admin_records_consent(
    region, recorder, django_capture_on_commit_callbacks, data_dir
):
    """The doctor is the group's patient group admin; the clinic's admin is a facility admin of
    the lead facility without being a member of the group."""
    space = unconsented_group(region)
    with django_capture_on_commit_callbacks(execute=True):
        row = actions.record_consent(
            region.cast[recorder],
            space_public_id=space.public_id,
            consent=by_family(),
            document=signed_form(),
        )
    assert row.is_current
    assert row.signer == "family"
    assert (row.signer_name, row.signer_relationship) == ("朝霞 一郎", "長男")
    assert row.recorded_by == region.cast[recorder]
    event = AuditEvent.objects.filter(action=AuditAction.CONSENT_RECORDED).get()
    assert event.actor_id == region.cast[recorder].pk
    assert event.object_id == str(space.public_id)
    assert event.detail["signer"] == "family"
    assert "朝霞" not in str(event.detail)  # ids only, never a name
    assert len(_files(data_dir)) == 1


def test_a_proxy_signer_is_recorded_with_name_and_relationship(region):
    space = unconsented_group(region)
    row = actions.record_consent(
        region.doctor,
        space_public_id=space.public_id,
        consent=ConsentInput(
            consented_on=timezone.localdate(),
            signer="proxy",
            signer_name="朝霞 次郎",
            signer_relationship="次男",
        ),
        document=signed_form(),
    )
    assert (row.signer, row.signer_name, row.signer_relationship) == ("proxy", "朝霞 次郎", "次男")


def test_the_patient_signing_keeps_no_other_name(region):
    space = unconsented_group(region)
    row = actions.record_consent(
        region.doctor,
        space_public_id=space.public_id,
        consent=ConsentInput(
            consented_on=timezone.localdate(), signer="patient", signer_name="誰か"
        ),
        document=signed_form(),
    )
    assert (row.signer_name, row.signer_relationship) == ("", "")


@pytest.mark.parametrize("who", ["nurse", "pharmacist"])
def test_members_who_are_not_admins_are_refused(region, who):
    space = unconsented_group(region)
    with pytest.raises(Forbidden) as refused:
        actions.record_consent(
            region.cast[who],
            space_public_id=space.public_id,
            consent=by_patient(),
            document=signed_form(),
        )
    assert "患者グループ管理者または連携元事業所のシステム管理者" in refused.value.message
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize("who", ["helper", "secretariat", "operator", "visiting_nurse"])
def test_outsiders_get_not_found(region, who):
    """The station's admin (visiting_nurse) administers another facility, not the lead one."""
    space = unconsented_group(region)
    with pytest.raises(NotFound):
        actions.record_consent(
            region.cast[who],
            space_public_id=space.public_id,
            consent=by_patient(),
            document=signed_form(),
        )
    assert not ConsentRecord.objects.exists()


def _future() -> ConsentInput:
    return ConsentInput(consented_on=timezone.localdate() + timedelta(days=1), signer="patient")


BAD_INPUT = {
    "future date": (_future, None, "consented_on", "同意日に未来の日付は指定できません。"),
    "no date": (
        lambda: ConsentInput(consented_on=None, signer="patient"),
        None,
        "consented_on",
        "同意書に署名した日付を入力してください。",
    ),
    "family without relationship": (
        lambda: by_family(relationship=""),
        None,
        "signer_relationship",
        "ご家族様の続柄（例：長男）を入力してください。",
    ),
    "proxy without name": (
        lambda: ConsentInput(
            consented_on=timezone.localdate(), signer="proxy", signer_relationship="長女"
        ),
        None,
        "signer_name",
        "署名代筆者の氏名を入力してください。",
    ),
    "proxy without relationship": (
        lambda: ConsentInput(
            consented_on=timezone.localdate(), signer="proxy", signer_name="朝霞 恵子"
        ),
        None,
        "signer_relationship",
        "署名代筆者の続柄を入力してください。",
    ),
    "unknown signer": (
        lambda: ConsentInput(consented_on=timezone.localdate(), signer="neighbour"),
        None,
        "signer",
        "署名した方（患者様・ご家族様・署名代筆者）を選んでください。",
    ),
    "no upload": (
        by_patient,
        "none",
        "document",
        "署名済みの同意書（様式4）をアップロードしてください",
    ),
    "a zip": (
        by_patient,
        ("form4.zip", samples.plain_zip()),
        "document",
        "PDF または写真・スキャン画像",
    ),
    "a Word file": (by_patient, ("form4.docx", samples.docx()), "document", "PDF または写真"),
    "a program named pdf": (by_patient, ("form4.pdf", samples.exe()), "document", "PDF または写真"),
    "a web page": (by_patient, ("form4.html", samples.html()), "document", "PDF または写真"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT), ids=list(BAD_INPUT))
def test_bad_input_is_refused_in_japanese_and_nothing_is_saved(
    region, case, django_capture_on_commit_callbacks, data_dir
):
    consent, upload, field, message = BAD_INPUT[case]
    if upload is None:
        document = signed_form()
    elif upload == "none":
        document = None
    else:
        document = samples.upload(*upload)
    space = unconsented_group(region)
    events = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed) as bad:
        actions.record_consent(
            region.doctor, space_public_id=space.public_id, consent=consent(), document=document
        )
    assert any(message in m for m in bad.value.errors[field]), bad.value.errors
    assert not ConsentRecord.objects.exists()
    assert AuditEvent.objects.count() == events
    assert _files(data_dir) == []


def test_a_photo_of_the_form_is_kept_without_its_location(
    region, django_capture_on_commit_callbacks
):
    import io

    from PIL import Image

    from renkei.consents import documents

    space = unconsented_group(region)
    with django_capture_on_commit_callbacks(execute=True):
        row = actions.record_consent(
            region.doctor,
            space_public_id=space.public_id,
            consent=by_patient(),
            document=samples.upload("IMG_0001.jpg", samples.jpeg(gps=True)),
        )
    assert row.document_type == "image/jpeg"
    stored = documents.read_document(space, row.document_id)
    assert stored is not None
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_one_current_consent_at_a_time(region):
    space = unconsented_group(region)
    actions.record_consent(
        region.doctor, space_public_id=space.public_id, consent=by_patient(), document=signed_form()
    )
    with pytest.raises(DomainError) as refused:
        actions.record_consent(
            region.doctor,
            space_public_id=space.public_id,
            consent=by_family(),
            document=signed_form(),
        )
    assert "登録済み" in refused.value.message
    assert ConsentRecord.objects.count() == 1
