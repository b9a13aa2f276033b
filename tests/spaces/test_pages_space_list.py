"""The space list page: three kinds listed apart (R2.6), unread counts per space and per tab,
connection requests answered from the list, nothing of others' spaces, constant queries."""

from __future__ import annotations

import re

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.spaces.models import Membership, MembershipState, SpaceKind
from renkei.timeline.actions import post_message
from tests.spaces.helpers import connection, group, patient, patient_group, record_consent


def page(client, tab: str, **params: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/spaces/", {"tab": tab, **params})
    assert response.status_code == 200
    return response.content.decode()


def tab_badge(html: str, tab: str) -> str | None:
    match = re.search(rf'data-tab="{tab}">[^<]*(?:<span class="unread"[^>]*>(\d+)</span>)?', html)
    assert match, f"no {tab} tab"
    return match.group(1)


@pytest.mark.rule("R2.6")
def test_the_three_kinds_are_listed_apart(region, client_for):
    pg = patient_group(region, region.nurse)
    grp = group(region, region.pharmacist, region.nurse, name="薬の勉強会")
    conn = connection(region.visiting_nurse, region.nurse)
    client = client_for(region.nurse)

    patients = page(client, "patients")
    assert "患者リスト" in patients
    assert "朝霞 花子" in patients
    assert "あさか はなこ" in patients
    assert "要介護3" in patients
    assert "あさか在宅クリニック" in patients
    assert re.search(r"\d+歳", patients)
    assert str(pg.public_id) in patients
    assert str(grp.public_id) not in patients
    assert str(conn.public_id) not in patients

    groups = page(client, "groups")
    assert "薬の勉強会" in groups
    assert str(grp.public_id) in groups
    assert "朝霞 花子" not in groups
    assert str(conn.public_id) not in groups

    connections = page(client, "connections")
    assert "加藤 由美" in connections
    assert str(conn.public_id) in connections
    assert "朝霞 花子" not in connections
    assert "薬の勉強会" not in connections


def test_the_list_shows_nothing_of_spaces_one_is_not_in(region, client_for):
    pg = patient_group(region, region.nurse)
    grp = group(region, region.nurse, region.pharmacist, name="秘密の相談")
    conn = connection(region.nurse, region.pharmacist)
    post_message(region.nurse, space_id=pg.pk, body="血圧は安定しています。")
    for outsider in (region.visiting_nurse, region.helper, region.secretariat, region.care_manager):
        client = client_for(outsider)
        for tab in ("patients", "groups", "connections"):
            html = page(client, tab)
            for space in (pg, grp, conn):
                assert str(space.public_id) not in html
            assert "朝霞 花子" not in html
            assert "秘密の相談" not in html


def test_unread_counts_per_space_and_per_tab_and_opening_reads(region, client_for):
    pg = patient_group(region, region.nurse, region.pharmacist)
    grp = group(region, region.pharmacist, region.nurse)
    for body in ("一件目", "二件目", "三件目"):
        post_message(region.doctor, space_id=pg.pk, body=body)
    post_message(region.nurse, space_id=grp.pk, body="自分の投稿は未読に数えない")
    post_message(region.pharmacist, space_id=grp.pk, body="勉強会の日程です。")
    client = client_for(region.nurse)

    html = page(client, "patients")
    assert tab_badge(html, "patients") == "3"
    assert tab_badge(html, "groups") == "1"
    assert tab_badge(html, "connections") is None
    assert "未読3件" in html

    assert client.get(f"/spaces/{pg.public_id}/").status_code == 200
    html = page(client, "patients")
    assert tab_badge(html, "patients") is None
    assert tab_badge(html, "groups") == "1"
    # Another member's reading changes nothing for the nurse.
    other = page(client_for(region.pharmacist), "patients")
    assert tab_badge(other, "patients") == "3"


@pytest.mark.rule("R2.6")
def test_a_connection_is_asked_for_from_the_list_and_accepted(region, client_for):
    nurse = client_for(region.nurse)
    html = page(nurse, "connections", q="伊藤")
    assert "伊藤 健" in html
    assert "つながりを申請" in html
    response = nurse.post(
        "/spaces/connections/request/", {"member": str(region.pharmacist.public_id)}
    )
    assert response.status_code == 302
    html = page(nurse, "connections")
    assert "伊藤 健" in html
    assert "返事待ち" in html

    pharmacist = client_for(region.pharmacist)
    html = page(pharmacist, "connections")
    assert "お返事を待っているつながり申請" in html
    assert "佐藤 花子" in html
    space = Membership.objects.get(member=region.pharmacist, state=MembershipState.INVITED).space
    # The request is not a space the pharmacist can read yet.
    assert pharmacist.get(f"/spaces/{space.public_id}/").status_code == 404

    response = pharmacist.post(f"/spaces/{space.public_id}/accept/")
    assert response.status_code == 302
    assert response["Location"] == f"/spaces/{space.public_id}/"
    assert pharmacist.get(f"/spaces/{space.public_id}/").status_code == 200
    assert "返事待ち" not in page(nurse, "connections")
    assert AuditEvent.objects.filter(
        action=AuditAction.CONNECTION_ACCEPTED, actor_id=region.pharmacist.pk
    ).exists()
    # Asking again once connected is refused with a message; nothing new is made.
    response = nurse.post(
        "/spaces/connections/request/", {"member": str(region.pharmacist.public_id)}, follow=True
    )
    assert "すでにつながっています。" in response.content.decode()
    assert Membership.objects.filter(space__kind=SpaceKind.CONNECTION).count() == 2


@pytest.mark.rule("R2.6")
def test_a_connection_request_can_be_declined(region, client_for):
    nurse = client_for(region.nurse)
    nurse.post("/spaces/connections/request/", {"member": str(region.visiting_nurse.public_id)})
    space = Membership.objects.get(member=region.visiting_nurse).space
    visiting = client_for(region.visiting_nurse)
    response = visiting.post(f"/spaces/{space.public_id}/decline/", follow=True)
    assert "申請をお断りしました。" in response.content.decode()
    assert "佐藤 花子" not in page(visiting, "connections")
    assert visiting.get(f"/spaces/{space.public_id}/").status_code == 404
    assert "お断り済み" in page(nurse, "connections")
    assert AuditEvent.objects.filter(
        action=AuditAction.CONNECTION_DECLINED, actor_id=region.visiting_nurse.pk
    ).exists()
    # Declining twice, or answering someone else's request, changes nothing.
    response = visiting.post(f"/spaces/{space.public_id}/decline/")
    assert response.status_code == 404
    assert nurse.post(f"/spaces/{space.public_id}/accept/").status_code == 404
    assert (
        client_for(region.pharmacist).post(f"/spaces/{space.public_id}/accept/").status_code == 404
    )


def test_asking_oneself_or_nobody_is_refused(region, client_for):
    nurse = client_for(region.nurse)
    response = nurse.post(
        "/spaces/connections/request/", {"member": str(region.nurse.public_id)}, follow=True
    )
    assert "ご自身以外のメンバーを選んでください。" in response.content.decode()
    response = nurse.post("/spaces/connections/request/", {"member": "nonsense"}, follow=True)
    assert "つながりたいメンバーを選んでください。" in response.content.decode()
    # The helper belongs to no facility: not in the network, so not a partner.
    response = nurse.post(
        "/spaces/connections/request/", {"member": str(region.helper.public_id)}, follow=True
    )
    assert "ネットワークに参加しているメンバーを選んでください。" in response.content.decode()
    assert not Membership.objects.filter(space__kind=SpaceKind.CONNECTION).exists()


def _fill(region, n: int, *partners) -> None:  # type: ignore[no-untyped-def]
    from renkei.spaces import actions

    eligible = [region.doctor, region.care_manager, region.clinic_admin, region.pharmacist]
    for i in range(n):
        space = actions.create_patient_group(
            region.doctor,
            facility_id=region.clinic.pk,
            patient=patient(name=f"患者 {i}", furigana="かんじゃ"),
        )
        record_consent(space, by=region.doctor)  # the patient signed form 4 (R3.2)
        actions.invite_to_patient_group(
            region.doctor, space_id=space.pk, member_ids=[region.nurse.pk]
        )
        g = group(region, eligible[i % 4], region.nurse, name=f"グループ{i}")
        post_message(region.doctor, space_id=space.pk, body=f"投稿 {i}")
        post_message(eligible[i % 4], space_id=g.pk, body=f"投稿 {i}")
    for partner in partners:
        connection(partner, region.nurse)


@pytest.mark.parametrize("tab", ["patients", "groups", "connections"])
def test_the_list_costs_the_same_queries_for_few_or_many(
    region, client_for, django_assert_num_queries, tab
):
    client = client_for(region.nurse)
    client.get("/spaces/")  # the session's first request touches it; measure later ones
    _fill(region, 3, region.visiting_nurse)
    with django_assert_num_queries(LIST_QUERIES[tab]):
        page(client, tab)
    _fill(region, 60, region.shared_nurse, region.doctor, region.pharmacist)
    with django_assert_num_queries(LIST_QUERIES[tab]):
        html = page(client, tab)
    assert html.count('class="space-item"') >= (63 if tab != "connections" else 4)


# Measured: the session and sign-in checks (the policy read once), the rows of the tab, the
# unread totals of the tabs (and the other side of each connection), the unread notifications
# of the navigation's badge.
LIST_QUERIES = {"patients": 7, "groups": 7, "connections": 8}
