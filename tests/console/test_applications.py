"""R1.1 through the console: the secretariat decides the applications (form 3)."""

from __future__ import annotations

import re

import pytest

from renkei.accounts.models import Member
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.facilities.models import Affiliation, Facility, FacilityState

pytestmark = pytest.mark.rule("R1.1")


def _url(facility: Facility) -> str:
    return f"/console/applications/{facility.public_id}/"


def test_secretariat_sees_pending_applications_oldest_first(region, client_for, apply):
    first = apply("ひかり介護サービス")
    second = apply("みどり訪問介護")
    page = client_for(region.secretariat).get("/console/applications/")
    assert list(page.context["applications"]) == [first, second]
    html = page.content.decode()
    assert html.index("ひかり介護サービス") < html.index("みどり訪問介護")
    # Active facilities are not applications.
    assert region.clinic.name not in html


def test_application_page_shows_the_whole_form_3(region, client_for, apply):
    facility = apply("ひかり介護サービス", users=2)
    html = client_for(region.secretariat).get(_url(facility)).content.decode()
    for text in (
        "ひかり介護サービス",
        "351-0104",
        "埼玉県和光市南2-3-4",
        "048-222-0001",
        "048-222-0002",
        "高橋 誠",
        "たかはし まこと",
        "2026-04-01",
        "利用者 あい",
        "りようしゃ いろは",
    ):
        assert text in html, text
    assert len(re.findall(r"\.user\d@example\.jp", html)) == 2
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="decision"' in html


def test_accepting_activates_the_facility_and_mails_activation_links(
    region, client_for, apply, smtp, django_capture_on_commit_callbacks
):
    facility = apply("ひかり介護サービス", users=2)
    client = client_for(region.secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(facility), {"decision": "accept"})
    assert response.status_code == 302
    assert response["Location"] == _url(facility)
    facility.refresh_from_db()
    assert facility.state == FacilityState.ACTIVE
    assert facility.decided_by == region.secretariat
    emails = sorted(facility.applied_users.values_list("email", flat=True))
    staff = Affiliation.objects.filter(facility=facility).select_related("member")
    assert sorted(a.member.email for a in staff) == emails
    manager = staff.get(is_manager=True)
    assert manager.is_admin
    assert manager.member.name == "高橋 誠"
    for email in emails:
        [message] = smtp.to(email)
        assert re.search(r"/activate/[^/\s]+/", smtp.body(message))
    assert AuditEvent.objects.filter(
        action=AuditAction.FACILITY_ACCEPTED,
        facility_id=facility.pk,
        actor_id=region.secretariat.pk,
    ).exists()
    page = client.get(_url(facility)).content.decode()
    assert "ひかり介護サービス" in page
    assert 'class="msg msg-success"' in page
    assert 'name="decision"' not in page


def test_rejecting_requires_a_reason(region, client_for, apply):
    facility = apply("ひかり介護サービス")
    response = client_for(region.secretariat).post(
        _url(facility), {"decision": "reject", "reason": "   "}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    assert 'class="errorlist"' in response.content.decode()
    facility.refresh_from_db()
    assert facility.state == FacilityState.APPLIED
    assert not AuditEvent.objects.filter(action=AuditAction.FACILITY_REJECTED).exists()


def test_rejecting_records_the_reason_and_mails_the_manager(
    region, client_for, apply, smtp, django_capture_on_commit_callbacks
):
    facility = apply("ひかり介護サービス")
    reason = "利用者一覧にふりがなの記載がありません。"
    client = client_for(region.secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(facility), {"decision": "reject", "reason": reason})
    assert response.status_code == 302
    facility.refresh_from_db()
    assert facility.state == FacilityState.REJECTED
    assert facility.rejection_reason == reason
    assert not Affiliation.objects.filter(facility=facility).exists()
    manager_email = facility.applied_users.get(is_manager=True).email
    [message] = smtp.to(manager_email)
    assert reason in smtp.body(message)
    assert AuditEvent.objects.filter(
        action=AuditAction.FACILITY_REJECTED, facility_id=facility.pk
    ).exists()
    page = client.get(_url(facility)).content.decode()
    assert reason in page
    assert 'name="decision"' not in page


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"decision": "accept"}, {"decision": "reject", "reason": "重複"}),
        ({"decision": "reject", "reason": "記載漏れ"}, {"decision": "accept"}),
        ({"decision": "accept"}, {"decision": "accept"}),
    ],
)
def test_a_decided_application_cannot_be_decided_again(
    region, client_for, apply, first, second, django_capture_on_commit_callbacks
):
    facility = apply("ひかり介護サービス")
    client = client_for(region.secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url(facility), first)
    facility.refresh_from_db()
    state, reason = facility.state, facility.rejection_reason
    members, events = Member.objects.count(), AuditEvent.objects.count()
    response = client.post(_url(facility), second, follow=True)
    assert response.status_code == 200
    assert 'class="msg msg-error"' in response.content.decode()
    facility.refresh_from_db()
    assert (facility.state, facility.rejection_reason) == (state, reason)
    assert Member.objects.count() == members
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    "data",
    [{}, {"decision": "maybe"}, {"decision": ""}, {"reason": "x" * 50}],
    ids=["nothing", "unknown", "empty", "reason-only"],
)
def test_a_decision_without_a_valid_choice_changes_nothing(region, client_for, apply, data):
    facility = apply("ひかり介護サービス")
    response = client_for(region.secretariat).post(_url(facility), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "承認または却下を選んでください。" in html
    assert "Traceback" not in html
    facility.refresh_from_db()
    assert facility.state == FacilityState.APPLIED


def test_an_overlong_reason_is_refused(region, client_for, apply):
    facility = apply("ひかり介護サービス")
    response = client_for(region.secretariat).post(
        _url(facility), {"decision": "reject", "reason": "あ" * 2001}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    facility.refresh_from_db()
    assert facility.state == FacilityState.APPLIED


def test_an_unknown_application_is_404(region, client_for):
    client = client_for(region.secretariat)
    url = "/console/applications/00000000-0000-4000-8000-000000000000/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "accept"}).status_code == 404
