"""Demo conversations: a patient group, a group and a connection, written through the actions.

The patients are invented; any likeness to a real person is chance.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from renkei.accounts.models import Member
from renkei.consents.actions import ConsentInput, record_consent
from renkei.consents.models import Signer
from renkei.demo.approvals import approve_waiting_invitations
from renkei.documents.forms import form4_pdf
from renkei.facilities.models import Facility
from renkei.spaces.actions import (
    PatientInput,
    accept_connection,
    create_group,
    create_patient_group,
    invite_to_patient_group,
    request_connection,
)
from renkei.spaces.models import Space
from renkei.timeline.actions import acknowledge, post_message


def _m(login_id: str) -> Member:
    return Member.objects.get(login_id=login_id)


def _record_signed_consent(admin: Member, space: Space) -> None:
    """Form 4, signed by the patient's daughter, recorded before anything is posted (R3.2).
    The demo's "scan" is the prefilled form itself."""
    record_consent(
        admin,
        space_public_id=space.public_id,
        consent=ConsentInput(
            consented_on=timezone.localdate() - timedelta(days=14),
            signer=Signer.FAMILY,
            signer_name="和光 恵子",
            signer_relationship="長女",
        ),
        document=SimpleUploadedFile(
            "form4-signed.pdf", form4_pdf(space), content_type="application/pdf"
        ),
    )


def build_demo_spaces(clinic: Facility) -> None:
    """Two patient groups led by the clinic (one with the patient's consent recorded and posts,
    one still waiting for it), a study group and a connection, with posts."""
    doctor, nurse = _m("dr.yamamoto"), _m("ns.takahashi")
    visiting, pharmacist = _m("ns.ogawa"), _m("ph.hayashi")
    care_manager, care_worker, therapist = _m("cm.mori"), _m("cw.maeda"), _m("pt.inoue")

    patient = create_patient_group(
        doctor,
        facility_id=clinic.pk,
        patient=PatientInput(
            name="和光 トミ",
            furigana="わこう とみ",
            birth_date=date(1936, 3, 8),
            sex="female",
            address="埼玉県和光市白子2-15-7",
            phone="048-461-0000",
            key_person="長女 和光 恵子（同居）",
            care_level="要介護3",
            primary_doctor="山本 誠一",
        ),
    )
    invite_to_patient_group(
        doctor,
        space_id=patient.pk,
        member_ids=[m.pk for m in (nurse, visiting, pharmacist, care_manager, care_worker)],
    )
    approve_waiting_invitations(patient)  # the station and the pharmacy approve (R2.10)
    _record_signed_consent(doctor, patient)
    first = post_message(
        doctor,
        space_id=patient.pk,
        body=(
            "本日定期往診しました。血圧 138/78、SpO2 96%。下肢のむくみが少し増えています。"
            "利尿剤を朝1錠から朝1.5錠に増量します。"
        ),
        ack_from=[pharmacist.pk, visiting.pk],
    )
    acknowledge(pharmacist, post_id=first.pk)
    post_message(
        pharmacist,
        space_id=patient.pk,
        parent_id=first.pk,
        body="承知しました。明日の配薬から一包化を変更します。",
    )
    post_message(
        visiting,
        space_id=patient.pk,
        body="訪問看護です。体重は先週より +0.8kg。水分摂取は1日1,000ml程度とのこと。@dr.yamamoto",
    )
    post_message(
        care_worker,
        space_id=patient.pk,
        body="入浴介助時、右かかとに発赤がありました（2cm程度）。クッションで除圧しています。",
    )
    create_patient_group(
        nurse,
        facility_id=clinic.pk,
        patient=PatientInput(
            name="朝霞 次郎",
            furigana="あさか じろう",
            birth_date=date(1941, 11, 23),
            sex="male",
            address="埼玉県朝霞市本町3-4-5",
            care_level="要介護1",
            primary_doctor="山本 誠一",
        ),
    )

    study = create_group(
        care_manager,
        name="朝霞・和光 多職種勉強会",
        member_ids=[m.pk for m in (doctor, nurse, visiting, pharmacist, therapist, care_worker)],
    )
    approve_waiting_invitations(study)
    post_message(
        care_manager,
        space_id=study.pk,
        body="次回の勉強会は「在宅での褥瘡予防」です。会場は和光市総合福祉会館です。",
    )
    post_message(therapist, space_id=study.pk, body="ポジショニングについて15分お話しします。")

    link = request_connection(visiting, member_id=pharmacist.pk)
    accept_connection(pharmacist, space_id=link.pk)
    post_message(
        visiting, space_id=link.pk, body="来週から訪問日が火曜に変わります。よろしくお願いします。"
    )
