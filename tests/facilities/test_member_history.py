"""A member's affiliation history, from the facility console."""

from __future__ import annotations

import pytest

from renkei.facilities.actions import deregister_staff


def _url(facility, member) -> str:  # type: ignore[no-untyped-def]
    return f"/facilities/{facility.public_id}/members/{member.public_id}/"


def test_an_admin_sees_every_registration_of_a_member(region, client_for):
    deregister_staff(
        region.clinic_admin, facility_id=region.clinic.pk, member_id=region.shared_nurse.pk
    )
    response = client_for(region.clinic_admin).get(_url(region.clinic, region.shared_nurse))
    assert response.status_code == 200
    page = response.content.decode()
    assert region.shared_nurse.name in page
    assert region.clinic.name in page
    assert region.station.name in page
    assert "資格喪失日" in page


def test_a_member_sees_their_own_history(region, client_for):
    response = client_for(region.shared_nurse).get(_url(region.station, region.shared_nurse))
    assert response.status_code == 200


@pytest.mark.rule("R2.4")
@pytest.mark.parametrize(
    ("viewer", "facility", "member"),
    [
        ("nurse", "clinic", "doctor"),  # staff who are not admins
        ("pharmacist", "clinic", "nurse"),  # another facility's admin
        ("clinic_admin", "clinic", "pharmacist"),  # someone not on this facility's list
        ("helper", "clinic", "nurse"),
    ],
)
def test_others_get_404(region, client_for, viewer, facility, member):
    url = _url(getattr(region, facility), region.cast[member])
    assert client_for(region.cast[viewer]).get(url).status_code == 404
