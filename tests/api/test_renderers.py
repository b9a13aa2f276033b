"""The API's JSON (renkei/api/renderers.py) reads back exactly as django-ninja's own encoder
wrote it, dates in Django's format, and carries Japanese text as UTF-8."""

from __future__ import annotations

import enum
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.test import RequestFactory
from django.utils.translation import gettext_lazy
from ninja import Schema
from ninja.responses import NinjaJSONEncoder

from renkei.api.renderers import FastJSONRenderer


class _Kind(enum.StrEnum):
    NURSE = "nurse"


class _Member(Schema):
    name: str
    joined: datetime


def _render(data: object) -> bytes:
    request = RequestFactory().get("/api/v1/me")
    return FastJSONRenderer().render(request, data, response_status=200)


def test_it_reads_back_as_ninjas_encoder_wrote_it() -> None:
    at = datetime(2026, 11, 25, 9, 30, 15, 123456, tzinfo=UTC)
    data = {
        "text": '訪問看護の記録 \u2028 "quoted" \\ <script>',
        "id": uuid.UUID("5b0e7c3a-1f0e-4d8e-9a51-7d9d1c0f9e11"),
        "at": at,
        "local": datetime(2026, 11, 25, 18, 30, tzinfo=UTC).astimezone(),
        "day": date(2026, 11, 25),
        "clock": time(9, 30, 15, 123456),
        "while": timedelta(minutes=90),
        "amount": Decimal("12.50"),
        "label": gettext_lazy("Nurse"),
        "kind": _Kind.NURSE,
        "member": _Member(name="佐藤", joined=at),
        "counts": {1: "one", 2: "two"},
        "nested": [None, True, False, 0, -1, 2**62, 1.5, [], {}],
        "pair": ("a", 1),
    }
    ours = json.loads(_render(data))
    theirs = json.loads(json.dumps(data, cls=NinjaJSONEncoder))
    assert ours == theirs
    # Django's formats, not orjson's: milliseconds and "Z".
    assert ours["at"] == "2026-11-25T09:30:15.123Z"
    assert ours["clock"] == "09:30:15.123"


def test_japanese_text_is_utf8_not_escaped() -> None:
    body = _render({"body": "了解しました"})
    assert "了解しました".encode() in body
    assert b"\\u" not in body


def test_an_answer_of_the_api_is_utf8_json(region, client_for) -> None:  # type: ignore[no-untyped-def]
    answer = client_for(region.nurse).get("/api/v1/me")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json; charset=utf-8"
    assert region.nurse.name.encode() in answer.content
    assert answer.json()["name"] == region.nurse.name
