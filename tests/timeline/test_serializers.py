"""The member part of a post's JSON: the profession's label in the request's language."""

from __future__ import annotations

from django.utils import translation

from renkei.timeline.serializers import member_json


def test_the_profession_label_follows_the_language(region):
    with translation.override("ja"):
        assert member_json(region.pharmacist)["profession_label"] == "薬剤師"
    with translation.override("en"):
        assert member_json(region.pharmacist)["profession_label"] == "Pharmacist"


def test_an_unknown_profession_is_shown_as_stored(region):
    region.pharmacist.profession = "herbalist"
    assert member_json(region.pharmacist)["profession_label"] == "herbalist"
    assert member_json(None) is None
