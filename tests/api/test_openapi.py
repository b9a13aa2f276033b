"""The committed OpenAPI description matches the code, and every operation is described."""

from __future__ import annotations

import json

from django.test import Client

from renkei.api.openapi import DOCUMENT, openapi_text


def test_the_committed_description_matches_the_code():
    committed = DOCUMENT.read_text(encoding="utf-8") if DOCUMENT.exists() else ""
    assert committed == openapi_text(), (
        "docs/openapi.json is out of date: run `.venv/bin/python manage.py export_openapi` "
        "and commit the result"
    )


def test_every_operation_documents_its_answers():
    document = json.loads(openapi_text())
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            success = [code for code in responses if code.startswith("2")]
            assert success, f"{method} {path} has no success response"
            for code in success:
                assert "content" in responses[code], f"{method} {path} {code} has no schema"
            errors = [code for code in responses if code.startswith("4")]
            assert errors, f"{method} {path} documents no error answer"
            for code in errors:
                schema = responses[code]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}
            assert "{id}" not in path


def test_the_served_description_is_the_committed_one(db):
    served = Client().get("/api/v1/openapi.json").json()
    assert served["paths"].keys() == json.loads(openapi_text())["paths"].keys()


def test_the_export_command_writes_the_file(tmp_path, monkeypatch):
    from django.core.management import call_command

    from renkei.api.management.commands import export_openapi

    target = tmp_path / "docs" / "openapi.json"
    monkeypatch.setattr(export_openapi, "DOCUMENT", target)
    call_command("export_openapi")
    assert target.read_text(encoding="utf-8") == openapi_text()
