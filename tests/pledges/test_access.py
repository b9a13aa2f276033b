"""R2.9: the pledges and education pages are reached by the facility's manager and admins and
by the secretariat (who only sees); everyone else gets 404, and nothing changes."""

from __future__ import annotations

import pytest
from django.utils import timezone

from renkei.facilities.models import Affiliation
from renkei.pledges.models import EducationSession, Pledge
from tests.attachments import samples
from tests.pledges.helpers import pledges_url

pytestmark = pytest.mark.rule("R2.9")

OUTSIDERS = ["nurse", "care_manager", "shared_nurse", "pharmacist", "visiting_nurse", "helper"]


def _urls(region) -> list[str]:
    clinic, nurse = region.clinic, region.nurse
    return [
        pledges_url(clinic),
        pledges_url(clinic, "form1.pdf"),
        pledges_url(clinic, "form3.pdf"),
        pledges_url(clinic, f"members/{nurse.public_id}/form2.pdf"),
        pledges_url(clinic, f"form2/{nurse.public_id}/signed/"),
        pledges_url(clinic, f"form2/{nurse.public_id}/on-file/"),
    ]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_others_get_404(region, client_for, who):
    client = client_for(region.cast[who])
    for url in _urls(region):
        assert client.get(url).status_code == 404, url
    response = client.post(
        pledges_url(region.clinic, f"form2/{region.nurse.public_id}/signed/"),
        {
            "signed_on": timezone.localdate().isoformat(),
            "document": samples.upload("a.pdf", samples.pdf()),
        },
    )
    assert response.status_code == 404
    response = client.post(
        pledges_url(region.clinic, "education/"),
        {"held_on": "2026-01-10", "topic": "研修", "attendees": [str(region.nurse.public_id)]},
    )
    assert response.status_code == 404
    assert Pledge.objects.count() == 0
    assert EducationSession.objects.count() == 0


@pytest.mark.parametrize("who", ["doctor", "clinic_admin"])
def test_the_manager_and_admins_reach_every_page(region, client_for, who):
    client = client_for(region.cast[who])
    for url in _urls(region):
        assert client.get(url).status_code == 200, url


def test_a_manager_who_is_not_an_admin_reaches_them(region, client_for):
    Affiliation.objects.filter(member=region.doctor, facility=region.clinic).update(is_admin=False)
    client = client_for(region.doctor)
    assert client.get(pledges_url(region.clinic)).status_code == 200
    assert client.get(pledges_url(region.clinic, "form1.pdf")).status_code == 200


def test_the_secretariat_sees_but_does_not_issue_or_record(region, client_for):
    client = client_for(region.secretariat)
    assert client.get(pledges_url(region.clinic)).status_code == 200
    assert client.get(pledges_url(region.clinic, "form3.pdf")).status_code == 200
    for url in [*_urls(region)[3:], pledges_url(region.clinic, "form1.pdf")]:
        assert client.get(url).status_code == 404, url
    assert Pledge.objects.count() == 0


def test_the_facility_page_links_to_the_pledges_for_those_who_reach_them(region, client_for):
    link = pledges_url(region.clinic)
    detail = f"/facilities/{region.clinic.public_id}/"
    for who in ("doctor", "clinic_admin", "secretariat"):
        assert link in client_for(region.cast[who]).get(detail).content.decode(), who
    assert link not in client_for(region.nurse).get(detail).content.decode()


def test_the_signed_copy_is_served_to_the_keepers_and_the_secretariat_only(
    region, client_for, django_capture_on_commit_callbacks
):
    from renkei.pledges import actions

    with django_capture_on_commit_callbacks(execute=True):
        pledge = actions.record_signed_pledge(
            region.clinic_admin,
            facility_public_id=region.clinic.public_id,
            form=2,
            member_public_id=region.nurse.public_id,
            signed_on=timezone.localdate(),
            document=samples.upload("a.pdf", samples.pdf("PLEDGE-COPY")),
        )
    url = pledges_url(region.clinic, f"{pledge.public_id}/document/")
    for who in ("secretariat", "doctor", "clinic_admin"):
        response = client_for(region.cast[who]).get(url)
        assert response.status_code == 200, who
        assert b"PLEDGE-COPY" in response.content
    for who in OUTSIDERS:  # the nurse whose pledge it is included: the facility keeps it
        assert client_for(region.cast[who]).get(url).status_code == 404, who
    other = pledges_url(region.pharmacy, f"{pledge.public_id}/document/")
    assert client_for(region.pharmacist).get(other).status_code == 404
