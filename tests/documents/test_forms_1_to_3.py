"""F1-F3: the pledges and the pledge of agreement as printable Japanese PDFs, prefilled from the
data with Reiwa dates, the seed's articles word for word, the font embedded, pages that render."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date
from pathlib import Path

import pypdf
import pytest
from django.utils import timezone

from renkei.accounts.models import Member
from renkei.documents.eras import era_date
from renkei.documents.forms import (
    FORM1_ARTICLES,
    FORM2_ARTICLES,
    FORM3_NOTE,
    FORM3_PLEDGE,
    association_name,
    form1_pdf,
    form2_pdf,
    form3_pdf,
)
from renkei.facilities.models import Affiliation


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return _flat("".join(page.extract_text() for page in reader.pages))


def _embedded_fonts(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    names = []
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                names.append(str(font["/BaseFont"]))
    return names


def _renders(data: bytes, tmp_path: Path, page: int = 1) -> None:
    source = tmp_path / "form.pdf"
    source.write_bytes(data)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "50",
            "-png",
            "-f",
            str(page),
            "-l",
            str(page),
            str(source),
            f"{tmp_path}/p",
        ],
        check=True,
        timeout=60,
        capture_output=True,
    )
    (png,) = tmp_path.glob("p*.png")
    from PIL import Image

    image = Image.open(png)
    assert image.size[0] < image.size[1]  # A4 portrait
    assert image.convert("L").getextrema()[0] < 64  # text and rules were drawn


def _article_sentences(articles) -> list[str]:
    return [caption for caption, _p in articles] + [t for _c, texts in articles for t in texts]


def test_the_association_is_named_from_the_secretariat():
    assert (
        association_name("（一社）朝霞地区医師会 地域包括ケア支援室")
        == "一般社団法人朝霞地区医師会"
    )
    assert association_name("一般社団法人朝霞地区医師会") == "一般社団法人朝霞地区医師会"


@pytest.mark.rule("F1")
def test_form1_has_the_articles_the_association_and_the_facility(region, tmp_path):
    data = form1_pdf(region.clinic)
    text = _text(data)
    assert _flat("メディカルケアステーション（MCS）利用に係る連携守秘誓約書") in text
    assert _flat("一般社団法人朝霞地区医師会会長殿") in text
    for sentence in _article_sentences(FORM1_ARTICLES):
        assert _flat(sentence) in text, sentence
    assert _flat(region.clinic.name) in text
    assert _flat(region.clinic.manager_name) in text
    assert _flat(region.clinic.address) in text
    assert _flat(f"発行日{era_date(timezone.localdate())}") in text
    assert "令和年月日" in text
    assert "㊞" in text
    assert _embedded_fonts(data)
    assert all("IPAexGothic" in f for f in _embedded_fonts(data))
    _renders(data, tmp_path)


@pytest.mark.rule("F2")
@pytest.mark.rule("R2.9")
def test_form2_is_addressed_to_the_manager_and_names_the_member(region, tmp_path):
    affiliation = Affiliation.objects.get(member=region.nurse, facility=region.clinic)
    data = form2_pdf(affiliation)
    text = _text(data)
    assert _flat("メディカルケアステーション（MCS）利用に係る連携情報保持に関する誓約書") in text
    assert _flat(f"{region.clinic.name}管理者{region.doctor.name}殿") in text
    for sentence in _article_sentences(FORM2_ARTICLES):
        for line in sentence.split("\n"):
            assert _flat(line) in text, line
    assert _flat(region.nurse.name) in text
    assert _flat(region.nurse.furigana) in text
    assert "看護師" in text or _flat(region.nurse.get_profession_display()) in text
    assert _flat(f"発行日{era_date(timezone.localdate())}") in text
    assert all("IPAexGothic" in f for f in _embedded_fonts(data))
    assert _embedded_fonts(data)
    _renders(data, tmp_path)


@pytest.mark.rule("F3")
def test_form3_has_the_facility_and_its_user_list(region, tmp_path):
    clinic = region.clinic
    gone = Affiliation.objects.get(member=region.care_manager, facility=clinic)
    gone.lost_on = date(2026, 10, 31)
    gone.save(update_fields=["lost_on"])
    data = form3_pdf(clinic)
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) == 1  # ten rows fit on one sheet
    text = _text(data)
    assert _flat("誓約同意書") in text
    assert _flat(FORM3_PLEDGE) in text
    assert _flat(FORM3_NOTE) in text
    assert _flat(f"誓約日：{era_date(clinic.pledge_date)}") in text
    assert "令和8年4月1日" in text
    for label in (
        "No.",
        "登録日",
        "(ふりがな)",
        "氏名",
        "職種",
        "印",
        "登録時のみ",
        "解除日",
        "(資格喪失日)",
        "メールアドレス",
    ):
        assert _flat(label) in text, label
    for label in (clinic.name, clinic.address, clinic.tel, clinic.manager_name):
        assert _flat(label) in text
    rows = Affiliation.objects.filter(facility=clinic).select_related("member")
    assert rows.count() == 5
    for row in rows:
        assert _flat(row.member.name) in text
        assert _flat(row.member.furigana) in text
        assert row.member.email in text
        assert _flat(era_date(row.registered_on)) in text
    assert "令和8年10月31日" in text  # the loss-of-eligibility date
    assert all("IPAexGothic" in f for f in _embedded_fonts(data))
    assert _embedded_fonts(data)
    _renders(data, tmp_path)


@pytest.mark.rule("F3")
def test_a_long_user_list_runs_over_several_pages(region, tmp_path):
    clinic = region.clinic
    for n in range(40):
        member = Member.objects.create_member(
            login_id=f"staff{n}",
            name=f"職員 {n}号",
            furigana=f"しょくいん {n}",
            profession="nurse",
            email=f"staff{n}@example.jp",
            password="Renkei2026pass",
        )
        Affiliation.objects.create(member=member, facility=clinic, number=100 + n)
    data = form3_pdf(clinic)
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 2
    last = _flat(reader.pages[-1].extract_text())
    assert "メールアドレス" in last  # the header repeats on every page
    text = _text(data)
    assert "staff39@example.jp" in text
    assert "139" in text
    _renders(data, tmp_path, page=len(reader.pages))
