"""R3.5: what a deletion erases is found from the app registry — every model with a foreign
key to a space, or to a row of one — so an app added later is erased too."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps

from renkei.erasure.discovery import KEPT, space_holdings
from renkei.spaces.models import Space

pytestmark = pytest.mark.rule("R3.5")


def _labels() -> dict[str, list[str]]:
    return {h.label: h.lookups for h in space_holdings()}


def test_every_model_with_a_foreign_key_to_a_space_is_erased():
    labels = _labels()
    direct = {
        m._meta.label_lower
        for m in apps.get_models(include_auto_created=True)
        for f in m._meta.concrete_fields
        if f.is_relation and f.related_model is Space
    }
    assert direct - KEPT
    assert direct - KEPT <= set(labels)
    for label in (
        "timeline.post",
        "timeline.postversion",
        "timeline.acknowledgement",
        "timeline.ackrequest",
        "timeline.mention",
        "attachments.attachment",
        "notifications.notification",
        "spaces.patientrecord",
        "spaces.membership",
    ):
        assert label in labels
    assert labels["timeline.postversion"] == ["post__space"]
    assert set(labels["notifications.notification"]) == {"space", "post__space"}
    if apps.is_installed("renkei.consents"):
        consent_models = {m._meta.label_lower for m in apps.get_app_config("consents").get_models()}
        assert consent_models & set(labels)


def test_kept_rows_are_not_erased():
    labels = _labels()
    for label in KEPT:
        assert label not in labels


def test_deepest_rows_come_first():
    order = [h.label for h in space_holdings()]
    assert order.index("timeline.postversion") < order.index("timeline.post")
    assert order.index("attachments.attachment") < order.index("timeline.post")


@isolate_apps("tests.erasure")
def test_a_new_app_is_found_without_being_named():
    class CarePlan(models.Model):
        space = models.ForeignKey(Space, on_delete=models.CASCADE)

        class Meta:
            app_label = "erasure_tests"

        def __str__(self) -> str:
            return f"plan {self.pk}"

    class CarePlanNote(models.Model):
        plan = models.ForeignKey(CarePlan, on_delete=models.SET_NULL, null=True)
        text = models.TextField()

        class Meta:
            app_label = "erasure_tests"

        def __str__(self) -> str:
            return f"note {self.pk}"

    found = {
        h.label: h
        for h in space_holdings(
            [*apps.get_models(include_auto_created=True), CarePlan, CarePlanNote]
        )
    }
    assert found["erasure_tests.careplan"].lookups == ["space"]
    assert found["erasure_tests.careplannote"].lookups == ["plan__space"]
    assert found["erasure_tests.careplannote"].depth == 2
