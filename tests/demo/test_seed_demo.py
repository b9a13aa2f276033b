"""The demo region: built through the real actions, idempotent, and signed into as printed."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from renkei import authz
from renkei.accounts.actions import SignInRefused, authenticate
from renkei.accounts.models import Member, OneTimeToken, Profession, TokenPurpose
from renkei.accounts.validators import furigana_problems, phone_problems
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.audit.record import verify_chain
from renkei.demo.management.commands.seed_demo import (
    ACTIVE_FACILITIES,
    CLINIC_CLERK,
    OPERATOR,
    PENDING,
    SECRETARIAT,
    SHARED_NURSE,
    demo_people,
)
from renkei.facilities.models import Affiliation, Facility, FacilityState


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def printed_password(output: str) -> str:
    match = re.search(r"Password \(everyone\):\s+(\S+)", output)
    assert match, output
    return match.group(1)


def snapshot() -> dict[str, object]:
    return {
        "members": list(Member.objects.order_by("pk").values_list("pk", "login_id", "password")),
        "facilities": list(Facility.objects.order_by("pk").values_list("pk", "state")),
        "affiliations": list(
            Affiliation.objects.order_by("pk").values_list("pk", "is_admin", "lost_on")
        ),
        "audit": AuditEvent.objects.count(),
        "tokens": OneTimeToken.objects.count(),
    }


def test_builds_the_facilities_and_members_of_the_region(db):
    seed()

    active = Facility.objects.filter(state=FacilityState.ACTIVE)
    assert {f.kind for f in active} >= {"clinic", "visiting_nurse", "pharmacy", "care_management"}
    assert active.count() == len(ACTIVE_FACILITIES) >= 4
    for facility in active:
        manager = Affiliation.objects.get(facility=facility, is_manager=True)
        assert manager.is_admin, facility.name  # the manager is the first facility admin (R2.8)
        assert manager.number == 1
        assert facility.manager_name == manager.member.name
        assert facility.tel.startswith("048-")
        assert phone_problems(facility.tel) == []
        assert any(city in facility.address for city in ("和光市", "朝霞市", "志木市", "新座市"))

    clinic = Facility.objects.get(kind="clinic")
    assert Affiliation.objects.get(facility=clinic, member__email=CLINIC_CLERK.email).is_admin

    staff = Member.objects.filter(affiliations__isnull=False).distinct()
    assert staff.count() >= 14
    assert set(staff.values_list("profession", flat=True)) >= {
        Profession.DOCTOR,
        Profession.NURSE,
        Profession.PHARMACIST,
        Profession.CARE_MANAGER,
        Profession.PHYSICAL_THERAPIST,
        Profession.HELPER,
        Profession.CLERK,
    }
    shared = Member.objects.get(email=SHARED_NURSE.email)
    assert Affiliation.objects.filter(member=shared, lost_on__isnull=True).count() == 2

    for person in demo_people():
        member = Member.objects.get(email=person.email)
        assert member.login_id == person.login_id
        assert member.is_active
        assert authz.is_eligible(member), person.login_id
        assert furigana_problems(member.furigana) == []
    assert Member.objects.get(login_id=SECRETARIAT.login_id).is_secretariat
    assert Member.objects.get(login_id=OPERATOR.login_id).is_operator


def test_leaves_one_application_pending_with_no_accounts_yet(db):
    seed()

    pending = Facility.objects.get(state=FacilityState.APPLIED)
    assert pending.name == PENDING.name
    emails = list(pending.applied_users.values_list("email", flat=True))
    assert len(emails) == 2
    assert not Member.objects.filter(email__in=emails).exists()


def test_goes_through_the_actions_so_the_audit_trail_is_real(db):
    seed()

    def count(action: AuditAction) -> int:
        return AuditEvent.objects.filter(action=action).count()

    assert count(AuditAction.FACILITY_APPLIED) == len(ACTIVE_FACILITIES) + 1
    assert count(AuditAction.FACILITY_ACCEPTED) == len(ACTIVE_FACILITIES)
    assert count(AuditAction.STAFF_REGISTERED) == Affiliation.objects.count()
    assert count(AuditAction.ADMIN_APPOINTED) == 1
    assert count(AuditAction.ACCOUNT_ACTIVATED) == len(demo_people())
    checked, broken = verify_chain()
    assert broken is None
    assert checked == AuditEvent.objects.count()
    # The activation links mailed on acceptance were retired when the demo activated the
    # accounts, so none could take over a demo account.
    assert not OneTimeToken.objects.filter(
        purpose=TokenPurpose.ACTIVATION, used_at__isnull=True
    ).exists()


def test_second_run_changes_nothing_and_prints_the_table_again(db, settings):
    first = seed()
    before = snapshot()

    second = seed()

    assert snapshot() == before
    for output in (first, second):
        assert "http://127.0.0.1:8000/signin/" in output
        for person in demo_people():
            assert person.login_id in output
        assert str(settings.DATA_DIR / "mail") in output
        assert str(settings.DATA_DIR / "secret_key") in output
        assert str(settings.DATA_DIR / "master_key") in output
    assert "already in place" in second


@pytest.mark.parametrize(
    "login_id", ["jimukyoku", "operator", "dr.yamamoto", "ns.ogawa", "ph.hayashi", "hp.okada"]
)
def test_printed_login_and_password_sign_in(db, login_id):
    password = printed_password(seed())

    member = authenticate(login_id=login_id, password=password)

    assert member.login_id == login_id
    with pytest.raises(SignInRefused):
        authenticate(login_id=login_id, password=password + "x")


def test_refuses_to_seed_a_production_region(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        seed()
    assert not Member.objects.exists()


def test_shows_the_care_spaces_with_conversations(db):
    from renkei.spaces.models import SpaceKind
    from renkei.spaces.queries import my_spaces
    from renkei.timeline.queries import timeline_page

    seed()
    visiting = Member.objects.get(login_id="ns.ogawa")
    rows = list(my_spaces(visiting))
    kinds = sorted(row.space.kind for row in rows)
    assert kinds == sorted([SpaceKind.PATIENT_GROUP, SpaceKind.GROUP, SpaceKind.CONNECTION])
    patient_row = next(r for r in rows if r.space.kind == SpaceKind.PATIENT_GROUP)
    assert patient_row.space.patient.name == "和光 トミ"
    assert patient_row.unread > 0
    page = timeline_page(visiting, patient_row.space)
    assert any(v.post.ack_required for v in page.posts)
    assert all(v.post.author is not None for v in page.posts)
    # The doctor's request for 了解 is still open for the visiting nurse.
    assert any(visiting in v.outstanding_acks for v in page.posts)
    assert verify_chain()[1] is None
