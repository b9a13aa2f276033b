"""F4 / R3.2: form 4 (在宅医療における個人情報使用同意書) as a printable Japanese PDF,
prefilled with the patient and the lead facility, with the seed's text, the date line and the
three signature blocks; the font is embedded and a page renders."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pypdf
import pytest
from django.utils import timezone

from renkei.documents.eras import era_date
from renkei.documents.forms import form4_pdf
from tests.spaces.helpers import patient_group

pytestmark = [pytest.mark.rule("R3.2"), pytest.mark.rule("F4")]

SEED_SENTENCES = [
    "在宅医療における個人情報使用同意書",
    "患者（利用者）様の円滑な在宅での療養（医療）を実現するためには、患者様をとりまくご家族様、"
    "医療従事者、介護従事者、その他の関係者が適切に連携していく必要があります。",
    "下記の事項をご了承いただいた上で、署名・押印をお願いします。",
    "1在宅医療を行うにあたっては、担当医を含め医療・介護関係者間での情報共有・連携が必要です。",
    "共有する情報には、今までの診療経過や薬の情報等を含み、患者様の重要な情報を使用させていただきます。",
    "2円滑なご自宅での療養生活を継続していただくために、医療・介護及びその他の関係者が適切と認める"
    "通信手段にて、患者様に係る個人情報を共有・提供させていただきます。",
    "3その他必要な情報については、適宜患者様、ご家族様の同意の上、使用します。",
    "以上",
    "令和年月日",
    "私は、上記事項について説明を受け、いずれも同意します。",
    "＜患者様＞",
    "＜ご家族様＞",
    "＜署名代筆者＞",
    "患者本人は、身体の状態等により署名等ができないため、患者本人の意思を確認のうえ、私が代筆しました。",
]


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def form(region) -> bytes:
    return form4_pdf(patient_group(region))


def test_one_page_with_the_seed_text_the_patient_and_the_lead_facility(region, form):
    reader = pypdf.PdfReader(io.BytesIO(form))
    assert len(reader.pages) == 1  # one sheet to sign, printed twice
    text = _flat(reader.pages[0].extract_text())
    for sentence in SEED_SENTENCES:
        assert _flat(sentence) in text, sentence
    assert "朝霞花子様" in text
    assert "埼玉県朝霞市本町1-2-3" in text
    clinic = region.clinic
    assert text.count(_flat(clinic.name)) >= 2  # beside the patient and at the foot
    assert _flat(clinic.address) in text
    assert clinic.tel in text
    assert "続柄" in text
    assert text.count("続柄") == 2
    assert text.count("㊞") == 3
    assert _flat(f"発行日{era_date(timezone.localdate())}") in text
    assert reader.metadata.title == "在宅医療における個人情報使用同意書"


def test_the_japanese_font_is_embedded(form):
    reader = pypdf.PdfReader(io.BytesIO(form))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = []
    for ref in fonts.values():
        font = ref.get_object()
        descriptor = font.get("/FontDescriptor")
        if descriptor is not None and "/FontFile2" in descriptor.get_object():
            embedded.append(str(font["/BaseFont"]))
    assert embedded
    assert all("IPAexGothic" in name for name in embedded)


def test_the_page_renders_to_an_image(form, tmp_path: Path):
    source = tmp_path / "form4.pdf"
    source.write_bytes(form)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(source), str(tmp_path / "p")],
        check=True,
        timeout=60,
    )
    (png,) = tmp_path.glob("p*.png")
    from PIL import Image

    image = Image.open(png)
    assert image.size[0] < image.size[1]  # A4 portrait
    assert image.convert("L").getextrema()[0] < 64  # something dark (text, rules) was drawn
