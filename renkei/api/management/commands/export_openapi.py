"""Write the API's OpenAPI description to docs/openapi.json (checked by the test suite)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from renkei.api.openapi import DOCUMENT, openapi_text


class Command(BaseCommand):
    help = "Write the OpenAPI description of /api/v1 to docs/openapi.json."

    def handle(self, *args: Any, **options: Any) -> None:
        DOCUMENT.parent.mkdir(parents=True, exist_ok=True)
        DOCUMENT.write_text(openapi_text(), encoding="utf-8")
        self.stdout.write(f"Wrote {DOCUMENT}")
