"""R2.7: each page that a guide topic explains carries a "？ 使い方" link to that topic, and every
such link leads to a guide page that renders."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import Client
from django.urls import reverse

from renkei.guide.topics import TOPICS
from renkei.timeline import actions as timeline_actions
from tests.guide.helpers import guide_links
from tests.spaces.helpers import group, patient_group


def _links(client: Client, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200, url
    links = guide_links(response.content.decode())
    for slug, href in links.items():
        assert href == f"/guide/{slug}/"
        assert Client().get(href).status_code == 200, href
    return links


@pytest.mark.rule("R2.7")
def test_patient_group_page_links_posting_acknowledging_replying_consent_and_deletion(
    region, client_for
):
    space = patient_group(region, region.nurse)
    links = _links(client_for(region.doctor), reverse("spaces:space", args=[space.public_id]))
    assert {"post", "acknowledge", "reply", "consent", "deletion"} <= set(links)


@pytest.mark.rule("R2.7")
def test_patient_group_page_without_consent_links_the_consent_topic(region, client_for):
    space = patient_group(region, consent=False)
    links = _links(client_for(region.doctor), reverse("spaces:space", args=[space.public_id]))
    assert "consent" in links


@pytest.mark.rule("R2.7")
def test_group_page_links_what_may_be_written_and_posting(region, client_for):
    space = group(region, region.nurse, region.doctor)
    links = _links(client_for(region.nurse), reverse("spaces:space", args=[space.public_id]))
    assert {"spaces", "post", "acknowledge", "reply"} <= set(links)
    # A plain member of a group sees no admin blocks, hence no admin topics.
    assert "deletion" not in links
    assert "consent" not in links


@pytest.mark.rule("R2.7")
def test_members_page_links_inviting_and_for_the_admin_archiving(region, client_for):
    space = patient_group(region, region.nurse)
    url = reverse("spaces:members", args=[space.public_id])
    admin_links = _links(client_for(region.doctor), url)
    assert {"invite", "archive"} <= set(admin_links)
    member_links = _links(client_for(region.nurse), url)
    assert "invite" in member_links
    assert "archive" not in member_links


@pytest.mark.rule("R2.7")
def test_acknowledgements_page_links_the_acknowledge_topic(region, client_for):
    space = patient_group(region, region.nurse)
    post = timeline_actions.post_message(region.doctor, space_id=space.pk, body="明日の訪問時間")
    links = _links(client_for(region.nurse), reverse("timeline:acks", args=[post.public_id]))
    assert "acknowledge" in links


@pytest.mark.rule("R2.7")
def test_group_creation_page_links_what_may_be_written(region, client_for):
    links = _links(client_for(region.pharmacist), reverse("spaces:new_group"))
    assert "spaces" in links


@pytest.mark.rule("R2.7")
def test_facility_invitations_queue_links_the_approval_topic(region, client_for):
    url = reverse("facilities:invitations", args=[region.clinic.public_id])
    links = _links(client_for(region.clinic_admin), url)
    assert links == {"approve": "/guide/approve/"}


@pytest.mark.rule("R2.7")
def test_the_link_reads_in_japanese_and_names_its_topic(region, client_for):
    page = client_for(region.pharmacist).get(reverse("spaces:new_group")).content.decode()
    assert "？ 使い方" in page
    assert 'aria-label="使い方：場所ごとに書いてよいこと・いけないこと"' in page


def test_every_topic_has_a_link_and_an_unknown_topic_is_an_error():
    for topic in TOPICS:
        html = Template("{% load guide %}{% guide_link slug %}").render(
            Context({"slug": topic.slug})
        )
        assert f'href="/guide/{topic.slug}/"' in html
    with pytest.raises(TemplateSyntaxError):
        Template('{% load guide %}{% guide_link "no-such-topic" %}').render(Context())


@pytest.mark.rule("R2.7")
def test_device_pages_link_the_lost_device_topic(region, client_for):
    own = _links(client_for(region.nurse), reverse("devices:own"))
    assert own == {"lost-device": "/guide/lost-device/"}
    url = reverse("devices:facility", args=[region.clinic.public_id])
    registry = _links(client_for(region.clinic_admin), url)
    assert registry == {"lost-device": "/guide/lost-device/"}


@pytest.mark.rule("R2.7")
def test_problem_report_forms_link_the_report_topic(region, client_for):
    url = reverse("reports:new_for_facility", args=[region.clinic.public_id])
    links = _links(client_for(region.clinic_admin), url)
    assert links == {"report": "/guide/report/"}
    space = patient_group(region)
    url = reverse("reports:new_for_space", args=[space.public_id])
    assert _links(client_for(region.doctor), url) == {"report": "/guide/report/"}
