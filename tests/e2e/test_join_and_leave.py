"""A facility joins and a member leaves, in the browser, as the people involved see it.

The facility applies at /apply/, the secretariat accepts it in its console, a listed nurse
opens the activation link from the e-mail that a real SMTP server received, and a deregistered
member's open browser is turned away on its next request.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from renkei.accounts.models import Member
from renkei.facilities.actions import deregister_staff
from renkei.facilities.models import Facility, FacilityState
from tests.e2e.conftest import off_loop
from tests.support.region import PASSWORD, Region, build_region
from tests.support.twofactor import enrol_totp, pass_second_step

pytestmark = pytest.mark.e2e

FACILITY = "みなみ朝霞訪問看護ステーション"
MANAGER = ("小島 恵美", "こじま えみ", "nurse", "kojima@minami-asaka.example.jp")
USERS = [
    ("西村 亜希", "にしむら あき", "nurse", "nishimura@minami-asaka.example.jp"),
    ("原田 翔", "はらだ しょう", "physical_therapist", "harada@minami-asaka.example.jp"),
]
SECRETARIAT_LOGIN = "jimukyoku"
SECRETARIAT_PASSWORD = "Jimu2026kyoku"


@pytest.fixture
def secretariat(transactional_db: None) -> Member:
    """The secretariat, with the authenticator app the policy requires of it (R2.3)."""
    member = Member.objects.create_member(
        login_id=SECRETARIAT_LOGIN,
        name="地域 太郎",
        furigana="ちいき たろう",
        profession="clerk",
        email="jimukyoku@example.jp",
        password=SECRETARIAT_PASSWORD,
        is_active=True,
        is_secretariat=True,
    )
    enrol_totp(member)
    return member


def sign_in(page: Page, base: str, login_id: str, password: str) -> None:
    page.goto(f"{base}/signin/")
    page.locator("#id_login_id").fill(login_id)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()
    pass_second_step(page, base, login_id)
    page.wait_for_url(f"{base}/")


def apply(page: Page, base: str) -> None:
    page.goto(f"{base}/apply/")
    page.locator("#id_kind").select_option("visiting_nurse")
    page.locator("#id_name").fill(FACILITY)
    page.locator("#id_postal_code").fill("351-0034")
    page.locator("#id_address").fill("埼玉県朝霞市西原1-3-5")
    page.locator("#id_tel").fill("048-467-1020")
    page.locator("#id_fax").fill("048-467-1021")
    name, furigana, profession, email = MANAGER
    page.locator("#id_manager_name").fill(name)
    page.locator("#id_manager_furigana").fill(furigana)
    page.locator("#id_manager_profession").select_option(profession)
    page.locator("#id_manager_email").fill(email)
    for i, (name, furigana, profession, email) in enumerate(USERS):
        page.locator(f"#id_users-{i}-name").fill(name)
        page.locator(f"#id_users-{i}-furigana").fill(furigana)
        page.locator(f"#id_users-{i}-profession").select_option(profession)
        page.locator(f"#id_users-{i}-email").fill(email)
    page.locator("#id_agreed_to_policy").check()
    page.get_by_role("button", name="申請を送信する").click()
    page.wait_for_url(f"{base}/apply/done/")


def accept(page: Page, base: str) -> None:
    page.goto(f"{base}/console/applications/")
    page.get_by_role("link", name=FACILITY).click()
    page.wait_for_url(re.compile(r"/console/applications/[0-9a-f-]{36}/$"))
    assert USERS[0][0] in page.locator("main").inner_text()  # the form-3 list is shown
    decision = page.locator("main form:has(input[name=decision])")
    decision.locator("input[name=decision][value=accept]").check()
    decision.locator("button[type=submit]").click()
    # Once decided, the page is shown again without the decision form.
    expect(page.locator("main form:has(input[name=decision])")).to_have_count(0)


def activation_link(smtp, address: str) -> str:  # type: ignore[no-untyped-def]
    messages = smtp.to(address)
    assert len(messages) == 1, [str(m["To"]) for m in smtp.messages]
    match = re.search(r"https?://\S+/activate/[A-Za-z0-9_-]+/", smtp.body(messages[0]))
    assert match, smtp.body(messages[0])
    return match.group(0)


@pytest.mark.rule("R1.1")
@pytest.mark.rule("R2.2")
def test_a_facility_applies_is_accepted_and_a_listed_nurse_activates_her_account(
    secretariat, smtp, asgi_server, new_page
):
    base = asgi_server

    applicant = new_page()
    apply(applicant, base)
    facility = off_loop(Facility.objects.get, name=FACILITY)
    assert facility.state == FacilityState.APPLIED
    assert smtp.messages == []  # nobody hears anything before the secretariat decides

    office = new_page()
    sign_in(office, base, SECRETARIAT_LOGIN, SECRETARIAT_PASSWORD)
    accept(office, base)
    assert off_loop(Facility.objects.get, pk=facility.pk).state == FacilityState.ACTIVE
    assert sorted(str(m["To"]) for m in smtp.messages) == sorted(p[3] for p in (MANAGER, *USERS))

    nurse_name, _furigana, _profession, nurse_email = USERS[0]
    nurse = new_page()
    nurse.goto(activation_link(smtp, nurse_email))
    assert nurse_name in nurse.locator("main").inner_text()
    nurse.locator("#id_login_id").fill("ns.nishimura")
    nurse.locator("#id_password").fill("abcdefgh")
    nurse.locator("#id_confirm").fill("abcdefgh")
    nurse.get_by_role("button", name="有効にしてログイン").click()
    # Refused by the policy (R2.2), in Japanese, and nothing is activated.
    expect(nurse.locator("main")).to_contain_text("数字（0～9）を1文字以上含めてください。")
    assert "/activate/" in nurse.url
    assert not off_loop(Member.objects.get, email=nurse_email).is_active

    nurse.locator("#id_password").fill("Nishi2026ns")
    nurse.locator("#id_confirm").fill("Nishi2026ns")
    nurse.get_by_role("button", name="有効にしてログイン").click()
    nurse.wait_for_url(f"{base}/")
    home = nurse.locator("main").inner_text()
    assert f"こんにちは、{nurse_name}さん" in home
    assert FACILITY in home
    assert "ns.nishimura" in home
    assert nurse.get_by_role("link", name="ホーム").is_visible()
    assert off_loop(Member.objects.get, email=nurse_email).login_id == "ns.nishimura"


@pytest.fixture
def region(transactional_db: None) -> Region:
    """The suite's fixed cast, committed so that the server thread sees it."""
    return build_region()


@pytest.mark.rule("R1.2")
def test_a_deregistered_member_is_turned_away_at_once(region, asgi_server, page):
    base = asgi_server
    sign_in(page, base, region.nurse.login_id or "", PASSWORD)
    assert region.clinic.name in page.locator("main").inner_text()

    off_loop(
        deregister_staff,
        region.clinic_admin,
        facility_id=region.clinic.pk,
        member_id=region.nurse.pk,
    )
    # The open page hears over its live connection that its session ended, and leaves (R1.2).
    page.wait_for_url(lambda url: url.startswith(f"{base}/signin/"), timeout=10_000)
    # The browser's next requests are refused as well, pages and API alike.
    assert page.context.request.get(f"{base}/api/v1/me").status == 401
    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/signin/")
    assert page.get_by_role("heading", name="ログイン").is_visible()
    assert region.clinic.name not in page.locator("main").inner_text()
    # Signing in again is refused too: the member is no longer eligible (R1.2).
    page.locator("#id_login_id").fill(region.nurse.login_id or "")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("このアカウントではログインできなくなっています。")
    assert page.url.startswith(f"{base}/signin/")
