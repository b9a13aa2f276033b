"""Compliance at a glance: each line counts the cases where a rule is not kept, links to exactly
those cases, and goes back to nothing once the case is put right; the secretariat alone sees it,
and the page asks the database the same number of times whatever the size of the region."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from renkei.accounts.models import Member
from renkei.console.compliance import REGISTRY, Case, Check, available_checks
from renkei.devices.models import Device
from renkei.facilities.models import Affiliation, Facility
from renkei.policy.actions import change_policy
from renkei.reports.models import Report
from renkei.spaces import actions as space_actions
from renkei.spaces.models import Membership, Space
from tests.spaces.helpers import patient_group
from tests.support.consent import record_consent

NOT_SECRETARIAT = ["doctor", "nurse", "clinic_admin", "pharmacist", "helper"]


def _counts(client) -> dict[str, int]:
    response = client.get("/console/")
    assert response.status_code == 200
    return {line.check.id: line.count for line in response.context["lines"]}


def _cases(client, check_id: str) -> list[tuple[str, ...]]:
    response = client.get(f"/console/compliance/{check_id}/")
    assert response.status_code == 200
    return [case.cells for case in response.context["cases"]]


def _shown(client, check_id: str) -> tuple[int, str]:
    """The line's count as the overview page prints it."""
    html = client.get("/console/").content.decode()
    marker = f'data-count="{check_id}">'
    assert marker in html, check_id
    start = html.index(marker) + len(marker)
    return int(html[start : html.index("<", start)]), html


def test_every_registered_line_is_on_the_overview_with_a_link(region, client_for):
    client = client_for(region.secretariat)
    count, html = _shown(client, "facilities_without_admin")
    assert count == 0
    for found in available_checks():
        assert f'href="/console/compliance/{found.id}/"' in html
        assert client.get(f"/console/compliance/{found.id}/").status_code == 200
    # The core lines exist in every installation.
    assert {
        "facilities_without_admin",
        "passwords_overdue",
        "patient_groups_without_consent",
        "patient_groups_without_admin",
        "archive_candidates",
        "managers_without_form1",
        "staff_without_form2",
    } <= {c.id for c in available_checks()}


def test_a_line_whose_app_is_not_installed_does_not_appear(region, client_for, monkeypatch):
    absent = Check(
        id="reports_of_an_absent_app",
        label="x",
        rule="R2.10",
        columns=("x",),
        cases=lambda context: Facility.objects.all(),
        show=lambda facility: Case((facility.name,)),
        needs=("renkei.not_installed",),
    )
    monkeypatch.setitem(REGISTRY, absent.id, absent)
    client = client_for(region.secretariat)
    counts = _counts(client)
    assert absent.id not in counts
    assert "facilities_without_admin" in counts
    assert "reports_of_an_absent_app" not in client.get("/console/").content.decode()
    assert client.get(f"/console/compliance/{absent.id}/").status_code == 404


@pytest.mark.rule("R2.8")
def test_facility_without_admin(region, client_for):
    client = client_for(region.secretariat)
    row = Affiliation.objects.get(member=region.pharmacist, facility=region.pharmacy)
    row.is_admin = False
    row.save()
    assert _shown(client, "facilities_without_admin")[0] == 1
    cases = _cases(client, "facilities_without_admin")
    assert [c[0] for c in cases] == [region.pharmacy.name]
    html = client.get("/console/compliance/facilities_without_admin/").content.decode()
    assert f'href="/console/facilities/{region.pharmacy.public_id}/"' in html
    row.is_admin = True
    row.save()
    assert _shown(client, "facilities_without_admin")[0] == 0
    assert _cases(client, "facilities_without_admin") == []


@pytest.mark.rule("R2.8")
def test_a_deregistered_admin_does_not_count(region, client_for):
    client = client_for(region.secretariat)
    row = Affiliation.objects.get(member=region.visiting_nurse, facility=region.station)
    row.lost_on = timezone.localdate()
    row.save()
    assert [c[0] for c in _cases(client, "facilities_without_admin")] == [region.station.name]


@pytest.mark.rule("R2.2")
def test_password_overdue(region, client_for):
    client = client_for(region.secretariat)
    old = timezone.now() - timedelta(days=61)
    Member.objects.filter(pk__in=[region.nurse.pk, region.helper.pk]).update(
        password_changed_at=old
    )
    # The helper belongs to no facility and cannot sign in: not a case.
    assert _shown(client, "passwords_overdue")[0] == 1
    assert [c[:2] for c in _cases(client, "passwords_overdue")] == [
        (region.nurse.name, region.nurse.login_id)
    ]
    Member.objects.filter(pk=region.nurse.pk).update(password_changed_at=timezone.now())
    assert _shown(client, "passwords_overdue")[0] == 0
    assert _cases(client, "passwords_overdue") == []


@pytest.mark.rule("R2.2")
def test_password_line_follows_the_rotation_period(region, client_for):
    client = client_for(region.secretariat)
    Member.objects.filter(pk=region.nurse.pk).update(
        password_changed_at=timezone.now() - timedelta(days=40)
    )
    assert _counts(client)["passwords_overdue"] == 0
    change_policy(region.secretariat, changes={"password_rotation_days": 30})
    assert _counts(client)["passwords_overdue"] == 1
    change_policy(region.secretariat, changes={"password_rotation_days": 0})
    assert _counts(client)["passwords_overdue"] == 0


@pytest.mark.rule("R3.2")
def test_patient_group_without_consent(region, client_for):
    client = client_for(region.secretariat)
    space = patient_group(region, consent=False)
    assert _shown(client, "patient_groups_without_consent")[0] == 1
    cases = _cases(client, "patient_groups_without_consent")
    assert [(c[0], c[1]) for c in cases] == [(region.clinic.name, str(space.public_id)[:8])]
    # The secretariat sees where, never who: no patient's name on the case list.
    html = client.get("/console/compliance/patient_groups_without_consent/").content.decode()
    assert "朝霞 花子" not in html
    record_consent(space, by=region.doctor)
    assert _shown(client, "patient_groups_without_consent")[0] == 0
    assert _cases(client, "patient_groups_without_consent") == []


@pytest.mark.rule("R3.4")
def test_patient_group_without_admin(region, client_for):
    client = client_for(region.secretariat)
    space = patient_group(region, region.nurse)
    patient_group(region)  # another group, with its admin
    Membership.objects.filter(space=space, member=region.doctor).update(is_admin=False)
    assert _shown(client, "patient_groups_without_admin")[0] == 1
    assert [c[1] for c in _cases(client, "patient_groups_without_admin")] == [
        str(space.public_id)[:8]
    ]
    Membership.objects.filter(space=space, member=region.nurse).update(is_admin=True)
    assert _shown(client, "patient_groups_without_admin")[0] == 0
    assert _cases(client, "patient_groups_without_admin") == []


@pytest.mark.rule("R3.5")
def test_archive_candidates(region, client_for):
    client = client_for(region.secretariat)
    quiet = patient_group(region)
    busy = patient_group(region)
    Space.objects.filter(pk=quiet.pk).update(last_activity_at=timezone.now() - timedelta(days=91))
    Space.objects.filter(pk=busy.pk).update(last_activity_at=timezone.now() - timedelta(days=89))
    assert _shown(client, "archive_candidates")[0] == 1
    assert [c[1] for c in _cases(client, "archive_candidates")] == [str(quiet.public_id)[:8]]
    space_actions.archive_patient_group(region.doctor, space_id=quiet.pk)
    assert _shown(client, "archive_candidates")[0] == 0
    assert _cases(client, "archive_candidates") == []


@pytest.mark.rule("R3.5")
def test_archive_candidates_follow_the_policy_period(region, client_for):
    client = client_for(region.secretariat)
    space = patient_group(region)
    Space.objects.filter(pk=space.pk).update(last_activity_at=timezone.now() - timedelta(days=40))
    assert _counts(client)["archive_candidates"] == 0
    change_policy(region.secretariat, changes={"archive_candidate_days": 30})
    assert _counts(client)["archive_candidates"] == 1


@pytest.mark.rule("R2.4")
@pytest.mark.parametrize("who", NOT_SECRETARIAT)
def test_only_the_secretariat_sees_the_lines_and_cases(region, client_for, who):
    client = client_for(region.cast[who])
    assert client.get("/console/").status_code == 404
    for check_id in REGISTRY:
        assert client.get(f"/console/compliance/{check_id}/").status_code == 404


def test_an_unknown_line_is_not_found(region, client_for):
    client = client_for(region.secretariat)
    assert client.get("/console/compliance/nothing_here/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(db, client):
    response = client.get("/console/compliance/facilities_without_admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/signin/")


def _grow(region, *, start: int, n: int) -> None:
    """``n`` more facilities without an admin, each with an overdue member and a patient group
    without consent, admin or activity."""
    old = timezone.now() - timedelta(days=200)
    for i in range(start, start + n):
        facility = Facility.objects.create(
            kind="clinic",
            name=f"追加クリニック{i}",
            postal_code="351-0104",
            address="埼玉県和光市南1-1-1",
            tel="048-000-0000",
            manager_name="",
            pledge_date=region.clinic.pledge_date,
            state="active",
        )
        member = Member.objects.create_member(
            login_id=f"extra{i}",
            name=f"追加 {i}",
            furigana="ついか",
            profession="nurse",
            email=f"extra{i}@example.jp",
            password="Renkei2026pass",
            is_active=True,
        )
        Member.objects.filter(pk=member.pk).update(password_changed_at=old)
        Affiliation.objects.create(member=member, facility=facility, number=1)
        space = Space.objects.create(kind="patient_group", lead_facility=facility)
        Space.objects.filter(pk=space.pk).update(last_activity_at=old)
        Membership.objects.create(space=space, member=member, is_admin=False)
        Device.objects.create(
            member=member,
            browser_key=f"browser{i}",
            name=f"端末{i}",
            kind="smartphone",
            state="lost",
            reported_lost_by=member,
            reported_lost_at=old,
        )
        Report.objects.create(
            source="facility",
            reporter=member,
            facility=facility,
            title=f"報告{i}",
            body="詳細",
            category="other",
        )


def _urls() -> list[str]:
    return ["/console/"] + [f"/console/compliance/{c.id}/" for c in available_checks()]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_query_count_does_not_grow_with_the_region(region, client_for):
    client = client_for(region.secretariat)
    _grow(region, start=0, n=2)
    small = {url: _queries(client, url) for url in _urls()}
    _grow(region, start=2, n=25)
    large = {url: _queries(client, url) for url in _urls()}
    assert large == small
    counts = _counts(client)
    assert counts["facilities_without_admin"] == 27
    assert counts["patient_groups_without_admin"] == 27
    assert counts["archive_candidates"] == 27
    assert counts["passwords_overdue"] == 27
    assert counts["lost_devices"] == 27
    assert counts["open_reports"] == 27
    assert counts["staff_without_form2"] >= 27


def _on_file(actor, facility, form: int, member=None) -> None:
    from renkei.pledges.actions import record_existing_pledge

    record_existing_pledge(
        actor,
        facility_public_id=facility.public_id,
        form=form,
        member_public_id=member.public_id if member else None,
        signed_on=timezone.localdate(),
    )


@pytest.mark.rule("R2.9")
def test_manager_without_form1(region, client_for):
    client = client_for(region.secretariat)
    _on_file(region.pharmacist, region.pharmacy, 1)
    _on_file(region.visiting_nurse, region.station, 1)
    assert _shown(client, "managers_without_form1")[0] == 1
    assert [c[:2] for c in _cases(client, "managers_without_form1")] == [
        (region.doctor.name, region.clinic.name)
    ]
    html = client.get("/console/compliance/managers_without_form1/").content.decode()
    assert f'href="/facilities/{region.clinic.public_id}/pledges/"' in html
    _on_file(region.clinic_admin, region.clinic, 1)
    assert _shown(client, "managers_without_form1")[0] == 0
    assert _cases(client, "managers_without_form1") == []


@pytest.mark.rule("R2.9")
def test_staff_without_form2(region, client_for):
    client = client_for(region.secretariat)
    for member in (region.care_manager, region.clinic_admin, region.shared_nurse):
        _on_file(region.clinic_admin, region.clinic, 2, member)
    _on_file(region.visiting_nurse, region.station, 2, region.shared_nurse)
    assert _shown(client, "staff_without_form2")[0] == 1
    assert [c[:2] for c in _cases(client, "staff_without_form2")] == [
        (region.nurse.name, region.clinic.name)
    ]
    _on_file(region.clinic_admin, region.clinic, 2, region.nurse)
    assert _shown(client, "staff_without_form2")[0] == 0
    assert _cases(client, "staff_without_form2") == []
