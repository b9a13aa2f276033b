"""Build the demo region of the embedded mode and print how to sign in.

The facilities apply and are accepted through the real actions, so the audit trail and the
form-3 lists read as they would in a live region. Only the last step is the demo's own: nobody
reads the activation mail here, so every account gets the one demo password directly
(``activate_with_demo_password``). A second run finds the region and changes nothing.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone, translation

from renkei.accounts.models import Member, OneTimeToken, Profession, TokenPurpose
from renkei.accounts.passwords import password_problems
from renkei.accounts.validators import login_id_problems
from renkei.audit.events import AuditAction
from renkei.audit.record import record
from renkei.demo.conversations import build_demo_spaces
from renkei.facilities.actions import (
    ApplicationInput,
    PersonInput,
    accept_application,
    apply_to_join,
    appoint_admin,
)
from renkei.facilities.models import Facility, FacilityKind
from renkei.policy.queries import current_policy
from renkei.twofactor.actions import enrol_demo_totp
from renkei.twofactor.queries import factor_state, has_second_factor, is_required

DEMO_PASSWORD = "Renkei2026demo"
EMAIL_DOMAIN = "example.jp"


@dataclass(frozen=True)
class DemoPerson:
    """One person of the demo region, with the login ID the demo gives them."""

    login_id: str
    name: str
    furigana: str
    profession: str
    role_ja: str
    role_en: str

    @property
    def email(self) -> str:
        return f"{self.login_id}@{EMAIL_DOMAIN}"

    def as_input(self) -> PersonInput:
        return PersonInput(self.name, self.furigana, self.profession, self.email)


@dataclass(frozen=True)
class DemoFacility:
    """A facility's form 3: its details, its manager (listed first) and its other users."""

    kind: str
    name: str
    postal_code: str
    address: str
    tel: str
    fax: str
    manager: DemoPerson
    users: tuple[DemoPerson, ...]
    # Further facility admins (システム管理者) whom the manager appoints after acceptance (R2.8).
    admins: tuple[DemoPerson, ...] = ()

    def application(self, pledge_date: date) -> ApplicationInput:
        return ApplicationInput(
            kind=self.kind,
            name=self.name,
            postal_code=self.postal_code,
            address=self.address,
            tel=self.tel,
            fax=self.fax,
            pledge_date=pledge_date,
            manager=self.manager.as_input(),
            users=[u.as_input() for u in self.users],
            agreed_to_policy=True,
        )


SECRETARIAT = DemoPerson(
    "jimukyoku", "大野 真理子", "おおの まりこ", Profession.CLERK, "事務局", "Secretariat"
)
OPERATOR = DemoPerson(
    "operator", "石井 健太", "いしい けんた", Profession.CLERK, "運用担当", "Operator"
)

# She works for both the visiting nurse station and the clinic: one person, one account (R2.1).
SHARED_NURSE = DemoPerson(
    "ns.kinoshita",
    "木下 春香",
    "きのした はるか",
    Profession.NURSE,
    "看護師（2事業所に所属）",
    "Nurse at two facilities",
)

CLINIC_CLERK = DemoPerson(
    "ck.nakamura",
    "中村 あゆみ",
    "なかむら あゆみ",
    Profession.CLERK,
    "医療事務・システム管理者",
    "Clerk, facility admin",
)

CLINIC = DemoFacility(
    kind=FacilityKind.CLINIC,
    name="わこう在宅クリニック",
    postal_code="351-0114",
    address="埼玉県和光市本町5-12 わこうビル2階",
    tel="048-462-3310",
    fax="048-462-3311",
    manager=DemoPerson(
        "dr.yamamoto",
        "山本 誠一",
        "やまもと せいいち",
        Profession.DOCTOR,
        "医師・事業所管理者・システム管理者",
        "Doctor, facility manager and admin",
    ),
    users=(
        DemoPerson(
            "ns.takahashi", "高橋 由紀", "たかはし ゆき", Profession.NURSE, "看護師", "Nurse"
        ),
        CLINIC_CLERK,
        SHARED_NURSE,
    ),
    admins=(CLINIC_CLERK,),
)

STATION = DemoFacility(
    kind=FacilityKind.VISITING_NURSE,
    name="あさか訪問看護ステーション",
    postal_code="351-0011",
    address="埼玉県朝霞市本町2-8-15",
    tel="048-465-2210",
    fax="048-465-2211",
    manager=DemoPerson(
        "ns.ogawa",
        "小川 直美",
        "おがわ なおみ",
        Profession.NURSE,
        "訪問看護師・事業所管理者・システム管理者",
        "Visiting nurse, facility manager and admin",
    ),
    users=(
        DemoPerson("ns.matsumoto", "松本 彩", "まつもと あや", Profession.NURSE, "看護師", "Nurse"),
        DemoPerson(
            "pt.inoue",
            "井上 拓也",
            "いのうえ たくや",
            Profession.PHYSICAL_THERAPIST,
            "理学療法士",
            "Physical therapist",
        ),
        SHARED_NURSE,
    ),
)

PHARMACY = DemoFacility(
    kind=FacilityKind.PHARMACY,
    name="しき中央薬局",
    postal_code="353-0004",
    address="埼玉県志木市本町5-21-3",
    tel="048-471-5530",
    fax="048-471-5531",
    manager=DemoPerson(
        "ph.hayashi",
        "林 浩二",
        "はやし こうじ",
        Profession.PHARMACIST,
        "管理薬剤師・事業所管理者・システム管理者",
        "Pharmacist, facility manager and admin",
    ),
    users=(
        DemoPerson(
            "ph.shimizu", "清水 美穂", "しみず みほ", Profession.PHARMACIST, "薬剤師", "Pharmacist"
        ),
    ),
)

CARE_OFFICE = DemoFacility(
    kind=FacilityKind.CARE_MANAGEMENT,
    name="にいざ居宅介護支援事業所",
    postal_code="352-0011",
    address="埼玉県新座市野火止3-4-7",
    tel="048-478-6620",
    fax="048-478-6621",
    manager=DemoPerson(
        "cm.mori",
        "森 和子",
        "もり かずこ",
        Profession.CARE_MANAGER,
        "主任ケアマネジャー・事業所管理者・システム管理者",
        "Chief care manager, facility manager and admin",
    ),
    users=(
        DemoPerson(
            "cm.ikeda",
            "池田 裕介",
            "いけだ ゆうすけ",
            Profession.CARE_MANAGER,
            "ケアマネジャー",
            "Care manager",
        ),
    ),
)

HOME_HELP = DemoFacility(
    kind=FacilityKind.HOME_HELP,
    name="ひまわり訪問介護事業所",
    postal_code="351-0022",
    address="埼玉県朝霞市東弁財1-6-2",
    tel="048-466-7740",
    fax="",
    manager=DemoPerson(
        "cw.maeda",
        "前田 美和",
        "まえだ みわ",
        Profession.CARE_WORKER,
        "介護福祉士・事業所管理者・システム管理者",
        "Care worker, facility manager and admin",
    ),
    users=(
        DemoPerson(
            "hp.okada",
            "岡田 さくら",
            "おかだ さくら",
            Profession.HELPER,
            "ホームヘルパー",
            "Helper",
        ),
        DemoPerson(
            "hp.fujita", "藤田 陽子", "ふじた ようこ", Profession.HELPER, "ホームヘルパー", "Helper"
        ),
    ),
)

ACTIVE_FACILITIES = (
    CLINIC,
    STATION,
    PHARMACY,
    CARE_OFFICE,
    HOME_HELP,
)

# Waits in the console for the secretariat to accept it; its people have no account yet.
PENDING = DemoFacility(
    kind=FacilityKind.DENTAL_CLINIC,
    name="しき駅前歯科クリニック",
    postal_code="353-0004",
    address="埼玉県志木市本町6-1-10",
    tel="048-476-8810",
    fax="048-476-8811",
    manager=DemoPerson(
        "dt.goto", "後藤 大輔", "ごとう だいすけ", Profession.DENTIST, "歯科医師", "Dentist"
    ),
    users=(
        DemoPerson(
            "dh.ueda", "上田 ちひろ", "うえだ ちひろ", Profession.OTHER, "歯科衛生士", "Hygienist"
        ),
    ),
)


def kind_labels(kind: str) -> tuple[str, str]:
    """A facility kind in Japanese and in English, from the model's translated labels."""
    label = FacilityKind(kind).label
    with translation.override("ja"):
        ja = str(label)
    with translation.override("en"):
        en = str(label)
    return ja, en


def sign_in_groups() -> list[tuple[str, tuple[DemoPerson, ...]]]:
    """The people who can sign in, under the secretariat and each facility they work for."""
    groups: list[tuple[str, tuple[DemoPerson, ...]]] = [
        ("事務局 / Secretariat", (SECRETARIAT, OPERATOR))
    ]
    for facility in ACTIVE_FACILITIES:
        ja, en = kind_labels(facility.kind)
        groups.append((f"{facility.name}（{ja} / {en}）", (facility.manager, *facility.users)))
    return groups


def demo_people() -> list[DemoPerson]:
    """Everyone who can sign in to the demo, each once."""
    people: dict[str, DemoPerson] = {}
    for _heading, persons in sign_in_groups():
        for person in persons:
            people.setdefault(person.login_id, person)
    return list(people.values())


def activate_with_demo_password(members: list[Member], *, login_ids: dict[str, str]) -> None:
    """Give each demo account its login ID and the demo password and activate it directly.

    In a live region each person does this from the e-mailed activation link (R2.1, R2.2);
    in the demo nobody reads that mail, so the links are retired unused and the activation is
    audited as the member's own, as the link would have done.
    """
    policy = current_policy()
    now = timezone.now()
    for member in members:
        login_id = login_ids[member.email]
        if problems := login_id_problems(login_id) + password_problems(
            policy, DEMO_PASSWORD, member=None
        ):
            raise CommandError(f"{login_id}: {' '.join(problems)}")
        member.login_id = login_id
        member.set_password(DEMO_PASSWORD)
        member.password_changed_at = now
        member.is_active = True
        member.activated_at = now
        member.save()
        OneTimeToken.objects.filter(
            member=member, purpose=TokenPurpose.ACTIVATION, used_at__isnull=True
        ).update(used_at=now)
        record(
            AuditAction.ACCOUNT_ACTIVATED,
            actor=member,
            object_type="member",
            object_id=member.pk,
            detail={"demo": True},
        )


def build_demo_region() -> None:
    """The secretariat, five accepted facilities with their staff, one pending application, and
    conversations in patient groups, a group and a connection."""
    pledge_date = timezone.localdate() - timedelta(days=14)
    secretariat = Member.objects.create_member(
        name=SECRETARIAT.name,
        furigana=SECRETARIAT.furigana,
        profession=SECRETARIAT.profession,
        email=SECRETARIAT.email,
        is_secretariat=True,
    )
    operator = Member.objects.create_member(
        name=OPERATOR.name,
        furigana=OPERATOR.furigana,
        profession=OPERATOR.profession,
        email=OPERATOR.email,
        is_secretariat=True,
        is_operator=True,
    )
    activate_with_demo_password(
        [secretariat, operator],
        login_ids={SECRETARIAT.email: SECRETARIAT.login_id, OPERATOR.email: OPERATOR.login_id},
    )

    facilities: list[tuple[DemoFacility, Facility]] = []
    for spec in ACTIVE_FACILITIES:
        facility = apply_to_join(data=spec.application(pledge_date))
        accept_application(secretariat, facility_id=facility.pk)
        facilities.append((spec, facility))

    login_ids = {person.email: person.login_id for person in demo_people()}
    staff = list(Member.objects.filter(is_active=False, email__in=login_ids))
    activate_with_demo_password(staff, login_ids=login_ids)

    for spec, facility in facilities:
        manager = Member.objects.get(email=spec.manager.email)
        for admin in spec.admins:
            member = Member.objects.get(email=admin.email)
            appoint_admin(manager, facility_id=facility.pk, member_id=member.pk)

    apply_to_join(data=PENDING.application(timezone.localdate()))
    build_demo_spaces(facilities[0][1])
    enrol_required_second_factors()


def enrol_required_second_factors() -> list[str]:
    """Give every demo account that the policy requires to have a second factor (R2.3: by
    default the secretariat, the operator and facility admins) an authenticator app whose code
    ``manage.py totp_code`` shows. Returns their login IDs."""
    setting = current_policy().two_factor_required
    enrolled = []
    for member in Member.objects.filter(is_active=True).order_by("pk"):
        state = factor_state(member)
        if is_required(setting, state) and not state.has_factor:
            enrol_demo_totp(member)
            enrolled.append(member.login_id or "")
    return enrolled


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


class Command(BaseCommand):
    help = (
        "Build the demo region (secretariat, facilities, staff, a pending application) in the "
        "embedded database and print how to sign in. Running it again changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("The demo region is not for production (RENKEI_ENV=production).")
        if Member.objects.filter(email__iexact=SECRETARIAT.email).exists():
            self.stdout.write("デモ地域は準備済みです / The demo region is already in place.")
            # A demo region made before two-factor sign-in: its admins get their app now.
            with transaction.atomic():
                enrol_required_second_factors()
        else:
            # The activation mails of the accepted facilities would carry links that the demo
            # retires at once; they would only clutter the console and var/mail.
            with (
                override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
                transaction.atomic(),
            ):
                build_demo_region()
            self.stdout.write(self.style.SUCCESS("デモ地域を作成しました / Demo region created."))
        self.print_sign_in()

    def print_sign_in(self) -> None:
        """How to sign in, in Japanese with English beside it."""
        out = self.stdout.write
        data_dir = settings.DATA_DIR
        out("")
        out(f"サインイン / Sign in:  {settings.BASE_URL}/signin/")
        out(f"パスワード（全員共通） / Password (everyone):  {DEMO_PASSWORD}")
        out(
            "2段階認証 / Two-factor sign-in:  [2FA] の人はパスワードの後に6桁のコードを入力します。"
            "コードは別の端末で次のコマンドで表示されます（本番では使えません） / those marked "
            "[2FA] type a 6-digit code after the password; show it in another terminal with "
            "(refused in production):"
        )
        out("  .venv/bin/python manage.py totp_code <ログインID / login ID>")
        out("")
        people = [p for _heading, persons in sign_in_groups() for p in persons]
        two_factor = {
            m.login_id or "": "  [2FA]"
            for m in Member.objects.filter(login_id__in=[p.login_id for p in people])
            if has_second_factor(m)
        }
        id_width = max(_width(p.login_id) for p in people)
        name_width = max(_width(p.name) for p in people)
        out(
            f"  {_pad('ログインID', id_width)}  {_pad('氏名', name_width)}  役割\n"
            f"  {_pad('Login ID', id_width)}  {_pad('Name', name_width)}  Role"
        )
        for heading, persons in sign_in_groups():
            out(heading)
            for p in persons:
                out(
                    f"  {_pad(p.login_id, id_width)}  {_pad(p.name, name_width)}  "
                    f"{p.role_ja} / {p.role_en}{two_factor.get(p.login_id, '')}"
                )
        out("")
        ja, en = kind_labels(PENDING.kind)
        out(f"承認待ちの申請 / Pending application:  {PENDING.name}（{ja} / {en}）")
        out(
            f"  事務局が {settings.BASE_URL}/console/applications/ で承認できます"
            " / the secretariat can accept it there"
        )
        out(f"デモのメール / Demo mail:  {data_dir / 'mail'} とこのコンソール / and this console")
        for label, variable, filename in (
            ("秘密鍵 / Secret key", "RENKEI_SECRET_KEY", "secret_key"),
            ("マスターキー / Master key", "RENKEI_MASTER_KEY", "master_key"),
        ):
            where = (
                f"環境変数 {variable} / the {variable} variable"
                if os.environ.get(variable)
                else str(data_dir / filename)
            )
            out(f"{label}:  {where}")
