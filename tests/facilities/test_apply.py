"""Applying to join through the public application page (form 3, R1.1)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext, override

from renkei.accounts.models import Member
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.facilities.models import AppliedUser, Facility, FacilityState
from tests.facilities.pages import JAPANESE, application_data, field_errors, widget


def _counts() -> tuple[int, int, int, int]:
    return (
        Facility.objects.count(),
        AppliedUser.objects.count(),
        Member.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.rule("R1.1")
def test_the_page_is_public_and_shows_form_3(db):
    page = Client().get("/apply/").content.decode()
    assert "事業所" in page
    assert 'name="pledge_date"' in page
    assert 'name="users-0-furigana"' in page
    assert 'name="agreed_to_policy"' in page
    assert 'name="csrfmiddlewaretoken"' in page


@pytest.mark.rule("R1.1")
def test_an_application_creates_a_pending_facility_with_its_listed_users(region):
    before = Member.objects.count()
    response = Client().post("/apply/", application_data())
    assert response.status_code == 302
    assert response["Location"] == "/apply/done/"

    facility = Facility.objects.get(name="みなみ在宅診療所")
    assert facility.state == FacilityState.APPLIED
    assert facility.manager_name == "南 一郎"
    listed = list(facility.applied_users.values_list("number", "email", "is_manager"))
    assert listed == [
        (1, "minami@example.jp", True),
        (2, "nishi@example.jp", False),
        (3, "higashi@example.jp", False),
    ]
    # Not usable yet: nobody listed has an account, so nobody can sign in.
    assert Member.objects.count() == before
    event = AuditEvent.objects.get(action=AuditAction.FACILITY_APPLIED)
    assert event.facility_id == facility.pk
    assert event.detail == {"users": 3}


@pytest.mark.rule("R1.1")
def test_empty_rows_are_ignored(db):
    users = [
        {},
        {"name": "北 花", "furigana": "きた はな", "profession": "nurse", "email": "k@example.jp"},
        {},
    ]
    response = Client().post("/apply/", application_data(users=users, rows=6))
    assert response.status_code == 302
    assert list(AppliedUser.objects.values_list("number", "name")) == [(1, "南 一郎"), (2, "北 花")]


def test_more_rows_can_be_added_without_javascript_keeping_what_was_typed(db):
    data = application_data(add_rows="1")
    response = Client().post("/apply/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="users-9-email"' in page
    assert 'name="users-10-email"' not in page
    assert 'value="10"' in widget(page, "id_users-TOTAL_FORMS")
    assert 'value="nishi@example.jp"' in widget(page, "id_users-0-email")
    assert 'value="みなみ在宅診療所"' in widget(page, "id_name")
    assert "checked" in widget(page, "id_agreed_to_policy")
    assert "aria-invalid" not in page
    assert Facility.objects.count() == 0


def test_the_done_page_says_what_happens_next(db):
    page = Client().get("/apply/done/").content.decode()
    assert "ありがとうございました" in page
    assert "メール" in page


def _ja(msgid: str, **params: object) -> str:
    with override("ja"):
        text = gettext(msgid)
    return text % params if params else text


BAD_INPUT = [
    pytest.param({"name": ""}, "id_name", "This field is required.", {}, id="empty-name"),
    pytest.param(
        {"name": "あ" * 101},
        "id_name",
        "Use at most %(n)d characters.",
        {"n": 100},
        id="overlong-name",
    ),
    pytest.param(
        {"address": "和" * 201},
        "id_address",
        "Use at most %(n)d characters.",
        {"n": 200},
        id="overlong-address",
    ),
    pytest.param(
        {"manager_furigana": "ミナミ イチロウ"},
        "id_manager_furigana",
        "Write the furigana in hiragana, not katakana (e.g. やまだ はなこ).",
        {},
        id="katakana-manager-furigana",
    ),
    pytest.param(
        {"users-1-furigana": "ヒガシ"},
        "id_users-1-furigana",
        "Write the furigana in hiragana, not katakana (e.g. やまだ はなこ).",
        {},
        id="katakana-user-furigana",
    ),
    pytest.param(
        {"tel": "０４８-２２２-０００１"},
        "id_tel",
        "Enter the number in half-width digits and hyphens (e.g. 048-465-6575).",
        {},
        id="full-width-tel",
    ),
    pytest.param(
        {"postal_code": "３５１-０１０４"},
        "id_postal_code",
        "Enter the postal code in half-width digits (e.g. 351-0104).",
        {},
        id="full-width-postal-code",
    ),
    pytest.param(
        {"users-1-email": "NISHI@example.jp"},
        "id_users-1-email",
        "This e-mail address is listed twice. Each person needs their own address.",
        {},
        id="duplicate-email",
    ),
    pytest.param(
        {"users-0-email": "minami@example.jp"},
        "id_users-0-email",
        "This e-mail address is listed twice. Each person needs their own address.",
        {},
        id="user-repeats-manager",
    ),
    pytest.param(
        {"manager_name": "<script>alert(1)</script>"},
        "id_manager_name",
        "The name contains characters that cannot be used (such as < or >).",
        {},
        id="script-in-name",
    ),
    pytest.param(
        {"users-0-name": "<script>x</script>"},
        "id_users-0-name",
        "The name contains characters that cannot be used (such as < or >).",
        {},
        id="script-in-user-name",
    ),
    pytest.param(
        {"manager_email": "not-an-address"},
        "id_manager_email",
        "Enter a valid e-mail address.",
        {},
        id="bad-email",
    ),
    pytest.param(
        {"agreed_to_policy": ""},
        "id_agreed_to_policy",
        "Confirm that you have read and agree to the operating policy and rules.",
        {},
        id="policy-not-confirmed",
    ),
    pytest.param(
        {"pledge_date": "2999-01-01"},
        "id_pledge_date",
        "The date cannot be in the future.",
        {},
        id="future-pledge-date",
    ),
    pytest.param({"kind": ""}, "id_kind", "Choose the kind of facility.", {}, id="no-kind"),
    pytest.param(
        {"users-0-profession": "astronaut"},
        "id_users-0-profession",
        None,
        {},
        id="unknown-profession",
    ),
]


@pytest.mark.rule("R1.1")
@pytest.mark.parametrize(("change", "field_id", "msgid", "params"), BAD_INPUT)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(
    db, change, field_id, msgid, params
):
    before = _counts()
    response = Client().post("/apply/", application_data(**change))
    assert response.status_code == 422
    page = response.content.decode()
    assert _counts() == before
    assert 'aria-invalid="true"' in widget(page, field_id)
    errors = field_errors(page, field_id)
    assert JAPANESE.search(errors), errors
    if msgid is not None:
        expected = _ja(msgid, **params)
        assert JAPANESE.search(expected), f"{msgid!r} has no Japanese translation"
        assert expected.replace("<", "&lt;").replace(">", "&gt;") in errors
    assert "Traceback" not in page
    assert "<script>alert" not in page
    assert "<script>x" not in page
    # Everything typed is still there.
    assert 'value="みなみ在宅診療所"' in widget(page, "id_name") or field_id == "id_name"
    assert 'value="higashi@example.jp"' in widget(page, "id_users-1-email") or "users-1" in field_id
    assert "送信されていません" in page


def test_several_problems_are_reported_together(db):
    data = application_data(tel="abc", pledge_date="not-a-date", **{"users-0-furigana": "Nishi"})
    response = Client().post("/apply/", data)
    assert response.status_code == 422
    page = response.content.decode()
    for field_id in ("id_tel", "id_pledge_date", "id_users-0-furigana"):
        assert 'aria-invalid="true"' in widget(page, field_id)
        assert field_errors(page, field_id)
    assert Facility.objects.count() == 0


def test_a_tampered_row_count_is_refused_without_a_stack_trace(db):
    data = application_data()
    del data["users-TOTAL_FORMS"]
    response = Client().post("/apply/", data)
    assert response.status_code == 422
    assert Facility.objects.count() == 0


def test_user_rows_are_optional_for_the_browser(db):
    page = Client().get("/apply/").content.decode()
    assert " required" not in widget(page, "id_users-0-name")
    assert " required" in widget(page, "id_manager_name")


def test_pledge_date_defaults_to_today(db):
    page = Client().get("/apply/").content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in widget(page, "id_pledge_date")
