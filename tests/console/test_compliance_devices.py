"""Compliance at a glance: devices reported lost (R2.5) are counted until an admin cuts them
off."""

from __future__ import annotations

import pytest

from renkei.devices import actions
from tests.console.test_compliance import _cases, _shown


@pytest.mark.rule("R2.5")
def test_lost_devices(region, client_for):
    client = client_for(region.secretariat)
    lost, _ = actions.admit_device(region.nurse, browser_key=None)
    kept, _ = actions.admit_device(region.pharmacist, browser_key=None)
    assert _shown(client, "lost_devices")[0] == 0
    actions.report_device_lost(region.nurse, device_id=lost.pk)
    assert _shown(client, "lost_devices")[0] == 1
    cases = _cases(client, "lost_devices")
    assert [(c[0], c[1], c[4]) for c in cases] == [
        (region.nurse.name, lost.name, region.nurse.name)
    ]
    actions.cut_off_device(region.clinic_admin, device_id=lost.pk)
    assert _shown(client, "lost_devices")[0] == 0
    assert _cases(client, "lost_devices") == []
    assert kept.state == "active"
