"""R2.7: the usage guide is inside the app, in Japanese first (English through the language
switch), one page per topic at /guide/<topic>/, each citing the operating rules it explains;
the help page and the main menu lead to it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from renkei.guide.topics import TOPICS
from tests.guide.helpers import guide_links

SLUGS = [t.slug for t in TOPICS]


def _title(slug: str, language: str) -> str:
    with translation.override(language):
        return escape(str(next(t for t in TOPICS if t.slug == slug).title))


@pytest.mark.rule("R2.7")
@pytest.mark.parametrize("slug", SLUGS)
def test_each_topic_page_is_in_japanese_and_cites_its_rules(db, slug):
    response = Client().get(f"/guide/{slug}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="ja"' in page
    assert f"<h1>{_title(slug, 'ja')}</h1>" in page
    topic = next(t for t in TOPICS if t.slug == slug)
    for ref in topic.rules:
        assert f"運用ルール {ref}" in page
    assert "Operating rules" not in page
    # Every topic's own text is translated: no English sentence of the guide is left.
    assert "Based on:" not in page
    assert "根拠：" in page


@pytest.mark.rule("R2.7")
@pytest.mark.parametrize("slug", SLUGS)
def test_each_topic_page_is_in_english_with_the_language_switch(region, client_for, slug):
    client = client_for(region.helper)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/guide/{slug}/").content.decode()
    assert 'lang="en"' in page
    assert f"<h1>{_title(slug, 'en')}</h1>" in page
    assert "Based on:" in page
    assert "Operating rules" in page


@pytest.mark.rule("R2.7")
def test_the_index_lists_every_topic(db):
    page = Client().get("/guide/").content.decode()
    assert "使い方ガイド" in page
    for slug in SLUGS:
        assert f'href="/guide/{slug}/"' in page
        assert _title(slug, "ja") in page


def test_an_unknown_topic_is_not_found(db):
    assert Client().get("/guide/no-such-topic/").status_code == 404


@pytest.mark.rule("R2.7")
def test_the_guide_is_readable_signed_out_and_signed_in(region, client_for):
    # Signed out too: a member who has lost a device must still find what to do.
    assert Client().get("/guide/lost-device/").status_code == 200
    page = client_for(region.nurse).get("/guide/lost-device/").content.decode()
    assert "すぐに所属事業所のシステム管理者に連絡してください" in page
    assert "「ご利用の端末」の「紛失を届け出る」" in page
    assert "「職員の端末」" in page


@pytest.mark.rule("R2.7")
def test_the_rules_each_page_explains(db):
    """The content states what the region's rules say, not just a title."""
    spaces = Client().get("/guide/spaces/").content.decode()
    assert "グループには患者さんの個人情報を書かないでください" in spaces
    assert "情報漏洩に十分注意してください" in spaces
    assert "ケアに必要な患者さんの個人情報を書くことができます" in spaces
    post = Client().get("/guide/post/").content.decode()
    assert "その都度患者さんの同意を得て" in post
    consent = Client().get("/guide/consent/").content.decode()
    assert "様式4" in consent
    report = Client().get("/guide/report/").content.decode()
    assert "「事務局に問題を報告する」" in report
    assert "048-465-6575" in report
    approve = Client().get("/guide/approve/").content.decode()
    assert "承認する" in approve
    assert "承認しない" in approve


@pytest.mark.rule("R2.7")
def test_the_help_page_links_the_guide(region, client_for):
    for client in (Client(), client_for(region.nurse)):
        page = client.get("/help/").content.decode()
        assert 'href="/guide/"' in page
        assert "使い方ガイド：" in page
    assert Client().get("/guide/").status_code == 200


@pytest.mark.rule("R2.7")
def test_the_main_menu_links_the_guide(region, client_for):
    page = client_for(region.pharmacist).get("/").content.decode()
    assert '<a href="/guide/" class="nav-guide">使い方ガイド</a>' in page


def test_the_guide_links_of_a_topic_page_are_its_other_topics(db):
    page = Client().get("/guide/post/").content.decode()
    assert guide_links(page) == {}
    for slug in SLUGS:
        if slug != "post":
            assert f'href="/guide/{slug}/"' in page
