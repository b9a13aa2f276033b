"""Japanese is the first language: every catalog is complete and its compiled form is current."""

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent / "renkei"
CATALOGS = sorted(ROOT.glob("**/locale/ja/LC_MESSAGES/django.po"))


def test_there_are_japanese_catalogs():
    assert ROOT / "locale/ja/LC_MESSAGES/django.po" in CATALOGS


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalog_is_complete_and_compiled(po_path: Path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated in {po_path}: {untranslated[:5]}"
    assert not fuzzy, f"fuzzy in {po_path}: {fuzzy[:5]}"
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run `make messages`"
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(mo_path))
    }
    for entry in po.translated_entries():
        key = (entry.msgctxt, entry.msgid)
        assert key in compiled, f"{entry.msgid!r} is not compiled: run `make messages`"
        msgstr, plural = compiled[key]
        if entry.msgstr_plural:
            assert {int(k): v for k, v in plural.items()} == {
                int(k): v for k, v in entry.msgstr_plural.items()
            }
        else:
            assert msgstr == entry.msgstr, f"{entry.msgid!r} is stale: run `make messages`"


def test_pages_speak_japanese_by_default(region, client_for):
    page = client_for(region.nurse).get("/").content.decode()
    assert "ホーム" in page
    assert "ログアウト" in page
    assert 'lang="ja"' in page


def test_english_is_selectable(region, client_for):
    client = client_for(region.nurse)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert 'lang="en"' in page
    assert "Sign out" in page
