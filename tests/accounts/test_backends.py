"""The member behind each request (renkei/accounts/backends.py): read by a prepared query, and
decided as Django's ModelBackend decides; sessions begun under ModelBackend stay signed in."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.test import Client

from renkei.accounts.backends import MEMBER_BACKEND, MemberBackend
from renkei.accounts.models import Member
from tests.support.region import PASSWORD


def _me(client: Client) -> int:
    return client.get("/api/v1/me").status_code


@pytest.mark.rule("R2.1")
def test_a_sign_in_is_recorded_with_this_backend_and_reads_back(region, browser):
    answer = browser.post("/signin/", {"login_id": "ns.sato", "password": PASSWORD})
    assert answer.status_code == 302
    assert browser.session[BACKEND_SESSION_KEY] == MEMBER_BACKEND
    assert _me(browser) == 200
    assert browser.get("/api/v1/me").json()["login_id"] == "ns.sato"


def _signed_in_as_recorded_by(browser: Client, backend: str) -> None:
    """The nurse signed in, her session saying ``backend`` signed her in."""
    browser.post("/signin/", {"login_id": "ns.sato", "password": PASSWORD})
    session = browser.session
    session[BACKEND_SESSION_KEY] = backend
    session.save()


@pytest.mark.rule("R2.1")
def test_a_session_begun_under_the_model_backend_stays_signed_in(region, browser):
    _signed_in_as_recorded_by(browser, "django.contrib.auth.backends.ModelBackend")
    assert _me(browser) == 200
    assert browser.session[BACKEND_SESSION_KEY] == "django.contrib.auth.backends.ModelBackend"


@pytest.mark.rule("R2.1")
def test_a_session_of_an_unknown_backend_is_nobody(region, browser):
    _signed_in_as_recorded_by(browser, "renkei.accounts.backends.Elsewhere")
    assert _me(browser) == 401


@pytest.mark.rule("R2.1")
def test_a_member_who_may_no_longer_sign_in_is_signed_out_at_the_next_request(region, browser):
    browser.post("/signin/", {"login_id": "ns.sato", "password": PASSWORD})
    assert _me(browser) == 200
    Member.objects.filter(pk=region.nurse.pk).update(is_active=False)
    assert _me(browser) == 401


def test_it_decides_as_the_model_backend_does(region):
    ours, django = MemberBackend(), ModelBackend()
    Member.objects.filter(pk=region.helper.pk).update(is_active=False)
    unknown = Member.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    for member_id in (region.nurse.pk, region.doctor.pk, region.helper.pk, unknown):
        assert ours.get_user(member_id) == django.get_user(member_id)
    assert ours.get_user(region.nurse.pk) == region.nurse
    assert ours.get_user(region.helper.pk) is None
    assert ours.get_user(unknown) is None
    # An id that is not an int (as a caller other than the session might give) is read as
    # ModelBackend reads it.
    assert ours.get_user(str(region.nurse.pk)) == region.nurse
