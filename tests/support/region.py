"""A realistic small region for tests: the fixed cast every use case is tried with.

Two facilities of different kinds plus a visiting-nurse station; at the lead clinic a doctor
(its manager and a facility admin), a nurse, a care manager and a clerk who is facility admin;
a pharmacist at the pharmacy (its manager and admin); a visiting nurse; a nurse who works for
both the clinic and the station; a helper who belongs to no facility; the secretariat and the
operator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.test import Client
from django.utils import timezone

from renkei.accounts.actions import open_session
from renkei.accounts.models import Member
from renkei.facilities.models import Affiliation, Facility, FacilityState
from renkei.policy.queries import current_policy
from renkei.twofactor.guard import settle
from renkei.twofactor.queries import factor_state, has_second_factor, is_required
from tests.support.twofactor import enrol_totp, forget_secrets

PASSWORD = "Renkei2026pass"


@dataclass
class Region:
    clinic: Facility
    pharmacy: Facility
    station: Facility
    secretariat: Member
    operator: Member
    doctor: Member
    nurse: Member
    care_manager: Member
    clinic_admin: Member
    pharmacist: Member
    visiting_nurse: Member
    shared_nurse: Member
    helper: Member

    @property
    def cast(self) -> dict[str, Member]:
        return {
            "secretariat": self.secretariat,
            "operator": self.operator,
            "doctor": self.doctor,
            "nurse": self.nurse,
            "care_manager": self.care_manager,
            "clinic_admin": self.clinic_admin,
            "pharmacist": self.pharmacist,
            "visiting_nurse": self.visiting_nurse,
            "shared_nurse": self.shared_nurse,
            "helper": self.helper,
        }


def _facility(kind: str, name: str, tel: str) -> Facility:
    return Facility.objects.create(
        kind=kind,
        name=name,
        postal_code="351-0104",
        address="埼玉県和光市南1-23-1",
        tel=tel,
        fax="",
        manager_name="",
        pledge_date=date(2026, 4, 1),
        state=FacilityState.ACTIVE,
        decided_at=timezone.now(),
    )


def _member(login_id: str, name: str, furigana: str, profession: str, **flags: bool) -> Member:
    return Member.objects.create_member(
        login_id=login_id,
        name=name,
        furigana=furigana,
        profession=profession,
        email=f"{login_id}@example.jp",
        password=PASSWORD,
        is_active=True,
        activated_at=timezone.now(),
        **flags,
    )


def _affiliate(member: Member, facility: Facility, **flags: bool) -> Affiliation:
    number = Affiliation.objects.filter(facility=facility).count() + 1
    return Affiliation.objects.create(
        member=member,
        facility=facility,
        number=number,
        registered_on=timezone.localdate() - timedelta(days=30),
        **flags,
    )


def build_region() -> Region:
    forget_secrets()
    clinic = _facility("clinic", "あさか在宅クリニック", "048-111-0001")
    pharmacy = _facility("pharmacy", "わこう中央薬局", "048-111-0002")
    station = _facility("visiting_nurse", "しき訪問看護ステーション", "048-111-0003")
    secretariat = _member("jimukyoku", "地域 太郎", "ちいき たろう", "clerk", is_secretariat=True)
    operator = _member(
        "operator", "運用 花子", "うんよう はなこ", "clerk", is_secretariat=True, is_operator=True
    )
    doctor = _member("dr.yamada", "山田 一郎", "やまだ いちろう", "doctor")
    nurse = _member("ns.sato", "佐藤 花子", "さとう はなこ", "nurse")
    care_manager = _member("cm.suzuki", "鈴木 次郎", "すずき じろう", "care_manager")
    clinic_admin = _member("adm.tanaka", "田中 美咲", "たなか みさき", "clerk")
    pharmacist = _member("ph.ito", "伊藤 健", "いとう けん", "pharmacist")
    visiting_nurse = _member("ns.kato", "加藤 由美", "かとう ゆみ", "nurse")
    shared_nurse = _member("ns.kimura", "木村 恵", "きむら めぐみ", "nurse")
    helper = _member("hp.kobayashi", "小林 優", "こばやし ゆう", "helper")
    _affiliate(doctor, clinic, is_manager=True, is_admin=True)
    _affiliate(nurse, clinic)
    _affiliate(care_manager, clinic)
    _affiliate(clinic_admin, clinic, is_admin=True)
    _affiliate(shared_nurse, clinic)
    _affiliate(pharmacist, pharmacy, is_manager=True, is_admin=True)
    _affiliate(visiting_nurse, station, is_manager=True, is_admin=True)
    _affiliate(shared_nurse, station)
    for facility, manager in ((clinic, doctor), (pharmacy, pharmacist), (station, visiting_nurse)):
        facility.manager_name = manager.name
        facility.save(update_fields=["manager_name"])
    # The region's policy requires a second factor of its admins (R2.3): they have set one up.
    for admin in (secretariat, operator, doctor, clinic_admin, pharmacist, visiting_nurse):
        enrol_totp(admin)
    return Region(
        clinic=clinic,
        pharmacy=pharmacy,
        station=station,
        secretariat=secretariat,
        operator=operator,
        doctor=doctor,
        nurse=nurse,
        care_manager=care_manager,
        clinic_admin=clinic_admin,
        pharmacist=pharmacist,
        visiting_nurse=visiting_nurse,
        shared_nurse=shared_nurse,
        helper=helper,
    )


def sign_in(client: Client, member: Member) -> str:
    """Sign ``member`` in on ``client`` the way the sign-in page does; returns the session key.

    A member with a second factor has passed the second step with their authenticator app; a
    member whom the policy requires to have one (a facility admin appointed in a test, say) has
    set one up first, as the enrolment guard would have made them do. Tests of the steps
    themselves use the real pages.
    """
    policy = current_policy()
    state = factor_state(member)
    if is_required(policy.two_factor_required, state) and not state.has_factor:
        enrol_totp(member)
    client.force_login(member)
    session = client.session
    key = session.session_key
    assert key is not None
    open_session(member, session_key=key)
    settle(
        session,
        member,
        setting=policy.two_factor_required,
        method="totp" if has_second_factor(member) else "",
    )
    session.save()
    return key
