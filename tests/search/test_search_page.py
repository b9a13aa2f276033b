"""The search page at /search/: the viewer's own posts, marked, escaped and paged."""

from __future__ import annotations

from django.urls import reverse

from tests.search.helpers import attach, post
from tests.spaces.helpers import connection, group, patient_group


def test_a_member_finds_their_posts_with_space_author_time_and_mark(region, client_for):
    space = patient_group(region, region.nurse)
    made = post(region.nurse, space, "本日の体温は 37.2℃、<b>食欲</b> あり")
    attach(made, "体温表.pdf")
    page = client_for(region.doctor).get(reverse("search:index"), {"q": "体温"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<mark>体温</mark>" in html
    assert "&lt;b&gt;食欲&lt;/b&gt;" in html
    assert "<b>食欲</b>" not in html
    assert region.nurse.name in html
    assert "朝霞 花子" in html  # the patient group, as its members know it
    assert f"#post-{made.public_id}" in html
    assert "<mark>体温</mark>表.pdf" in html


def test_outsiders_see_nothing_found(region, client_for):
    space = group(region, region.nurse, region.doctor, name="秘密の勉強会")
    post(region.nurse, space, "在宅酸素の設定について")
    for outsider in (region.clinic_admin, region.secretariat, region.pharmacist):
        html = client_for(outsider).get("/search/", {"q": "在宅酸素"}).content.decode()
        assert "在宅酸素の設定" not in html
        assert "秘密の勉強会" not in html


def test_within_one_space_and_refusal_of_a_foreign_space(region, client_for):
    mine = connection(region.doctor, region.pharmacist)
    other = group(region, region.nurse, region.care_manager)
    post(region.doctor, mine, "処方変更のご相談")
    post(region.nurse, other, "処方変更の共有")
    client = client_for(region.doctor)
    html = client.get("/search/", {"q": "処方", "space": str(mine.public_id)}).content.decode()
    assert "処方変更のご相談" in html.replace("<mark>", "").replace("</mark>", "")
    refused = client.get("/search/", {"q": "処方", "space": str(other.public_id)})
    assert refused.status_code == 422
    assert "処方変更の共有" not in refused.content.decode().replace("<mark>", "").replace(
        "</mark>", ""
    )


def test_paging(region, client_for):
    space = group(region, region.nurse, region.doctor)
    for i in range(25):
        post(region.nurse, space, f"巡回記録 第{i}回")
    client = client_for(region.doctor)
    first = client.get("/search/", {"q": "巡回"}).content.decode()
    assert first.count('class="card search-hit"') == 20
    assert "page=2" in first
    second = client.get("/search/", {"q": "巡回", "page": "2"}).content.decode()
    assert second.count('class="card search-hit"') == 5
    assert "第0回" in second


def test_empty_page_and_no_hits(region, client_for):
    client = client_for(region.nurse)
    assert client.get("/search/").status_code == 200
    html = client.get("/search/", {"q": "存在しない言葉"}).content.decode()
    assert "search-hit" not in html


def test_signed_out_visitors_are_sent_to_sign_in(db, client):
    response = client.get("/search/", {"q": "熱"})
    assert response.status_code in (302, 404)
