"""The console is the secretariat's alone: everyone else meets 404 on every page and form."""

from __future__ import annotations

import pytest

from renkei.audit.models import AuditEvent
from renkei.facilities.models import Affiliation, Facility, FacilityState
from renkei.policy.models import PolicyValue

NOT_SECRETARIAT = ["doctor", "nurse", "clinic_admin", "pharmacist", "helper"]


def _pages(region, application) -> list[str]:
    clinic = region.clinic.public_id
    return [
        "/console/",
        "/console/applications/",
        f"/console/applications/{application.public_id}/",
        "/console/facilities/",
        "/console/facilities/?state=applied",
        f"/console/facilities/{clinic}/",
        f"/console/facilities/{clinic}/withdraw/",
        "/console/policy/",
        "/console/audit/",
    ]


def _posts(region, application) -> list[tuple[str, dict[str, str]]]:
    clinic = region.clinic.public_id
    nurse = str(region.nurse.public_id)
    return [
        (f"/console/applications/{application.public_id}/", {"decision": "accept"}),
        (
            f"/console/applications/{application.public_id}/",
            {"decision": "reject", "reason": "x"},
        ),
        (f"/console/facilities/{clinic}/staff/manager/", {"manager-member": nurse}),
        (f"/console/facilities/{clinic}/staff/appoint/", {"appoint-member": nurse}),
        (
            f"/console/facilities/{clinic}/staff/revoke/",
            {"revoke-member": str(region.clinic_admin.public_id)},
        ),
        (f"/console/facilities/{clinic}/withdraw/", {"confirm": "on"}),
        ("/console/policy/", {"password_min_length": "12"}),
    ]


@pytest.mark.rule("R1.1")
@pytest.mark.rule("R2.4")
@pytest.mark.parametrize("who", NOT_SECRETARIAT)
def test_members_and_facility_admins_get_404_everywhere(region, client_for, apply, who):
    application = apply("ひかり介護サービス")
    client = client_for(region.cast[who])
    events = AuditEvent.objects.count()
    for url in _pages(region, application):
        assert client.get(url).status_code == 404, url
    for url, data in _posts(region, application):
        assert client.post(url, data).status_code == 404, url
    application.refresh_from_db()
    assert application.state == FacilityState.APPLIED
    assert Facility.objects.get(pk=region.clinic.pk).state == FacilityState.ACTIVE
    assert Affiliation.objects.get(member=region.nurse, facility=region.clinic).is_admin is False
    assert Affiliation.objects.get(member=region.clinic_admin, facility=region.clinic).is_admin
    assert not PolicyValue.objects.exists()
    assert AuditEvent.objects.count() == events


def test_anonymous_visitors_are_sent_to_sign_in(region, client, apply):
    application = apply("ひかり介護サービス")
    for url in _pages(region, application):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/signin/"), url


def test_secretariat_reaches_every_page(region, client_for, apply):
    application = apply("ひかり介護サービス")
    client = client_for(region.secretariat)
    for url in _pages(region, application):
        assert client.get(url).status_code == 200, url


def test_overview_counts_facilities_by_state(region, client_for, apply):
    apply("ひかり介護サービス")
    apply("みどり訪問介護")
    left = Facility.objects.get(pk=region.station.pk)
    left.state = FacilityState.LEFT
    left.save()
    response = client_for(region.secretariat).get("/console/")
    counts = response.context["counts"]
    assert (counts.pending, counts.active, counts.left) == (2, 2, 1)
    page = response.content.decode()
    assert 'data-count="pending">2<' in page
    assert "事務局" in page


def test_console_forms_refuse_a_post_without_csrf_token(region, apply):
    from django.test import Client

    from tests.support.region import sign_in

    application = apply("ひかり介護サービス")
    client = Client(enforce_csrf_checks=True)
    sign_in(client, region.secretariat)
    response = client.post(
        f"/console/applications/{application.public_id}/", {"decision": "accept"}
    )
    assert response.status_code == 403
    response = client.post("/console/policy/", {"password_min_length": "12"})
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.state == FacilityState.APPLIED
    assert not PolicyValue.objects.exists()
