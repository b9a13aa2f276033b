"""Helpers for the facility page tests: a filled application and reading fields from HTML."""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def application_data(users: list[dict[str, str]] | None = None, rows: int = 5, **over: Any) -> dict:
    """POST data of the application page: a clinic, its manager and ``users`` in the rows."""
    users = (
        users
        if users is not None
        else [
            {
                "name": "西 看護",
                "furigana": "にし かんご",
                "profession": "nurse",
                "email": "nishi@example.jp",
            },
            {
                "name": "東 薬子",
                "furigana": "ひがし くすりこ",
                "profession": "clerk",
                "email": "higashi@example.jp",
            },
        ]
    )
    rows = max(rows, len(users))
    data: dict[str, Any] = {
        "kind": "clinic",
        "name": "みなみ在宅診療所",
        "postal_code": "351-0104",
        "address": "埼玉県和光市南2-3-4",
        "tel": "048-222-0001",
        "fax": "048-222-0002",
        "pledge_date": timezone.localdate().isoformat(),
        "manager_name": "南 一郎",
        "manager_furigana": "みなみ いちろう",
        "manager_profession": "doctor",
        "manager_email": "minami@example.jp",
        "agreed_to_policy": "on",
        "users-TOTAL_FORMS": str(rows),
        "users-INITIAL_FORMS": "0",
        "users-MIN_NUM_FORMS": "0",
        "users-MAX_NUM_FORMS": "200",
    }
    for i in range(rows):
        person = users[i] if i < len(users) else {}
        for key in ("name", "furigana", "profession", "email"):
            data[f"users-{i}-{key}"] = person.get(key, "")
    data.update(over)
    return data


def widget(page: str, field_id: str) -> str:
    """The opening tag of the input or select with ``id``."""
    match = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{re.escape(field_id)}"[^>]*>', page)
    assert match, f"no field {field_id} on the page"
    return match.group(0)


def field_errors(page: str, field_id: str) -> str:
    """The text of the error list that belongs to the field with ``id``, or ''."""
    match = re.search(rf'<ul class="errorlist" id="{re.escape(field_id)}_error">(.*?)</ul>', page)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


def activation_path(body: str) -> str:
    """The one-time activation path in a mail body."""
    match = re.search(r"/activate/([A-Za-z0-9_-]+)/", body)
    assert match, body
    return match.group(1)
