"""The seed's forms as printable Japanese PDFs, prefilled from the data.

Form 4 (在宅医療における個人情報使用同意書, R3.2 / F4): the patient's consent to sharing their
information in home care, printed by the lead facility, signed by the patient (or family, or a
proxy signer), kept by both parties, and uploaded back as the signed copy.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Table, TableStyle

from renkei.documents import pdf
from renkei.documents.eras import era_date
from renkei.spaces.models import Space

FORM4_TITLE = "在宅医療における個人情報使用同意書"
FORM4_INTRO = (
    "患者（利用者）様の円滑な在宅での療養（医療）を実現するためには、患者様をとりまくご家族様、"
    "医療従事者、介護従事者、その他の関係者が適切に連携していく必要があります。そのため、下記の"
    "事項をご了承いただいた上で、署名・押印をお願いします。"
)
FORM4_ITEMS = (
    "在宅医療を行うにあたっては、担当医を含め医療・介護関係者間での情報共有・連携が必要です。"
    "共有する情報には、今までの診療経過や薬の情報等を含み、患者様の重要な情報を使用させて"
    "いただきます。",
    "円滑なご自宅での療養生活を継続していただくために、医療・介護及びその他の関係者が適切と"
    "認める通信手段にて、患者様に係る個人情報を共有・提供させていただきます。",
    "その他必要な情報については、適宜患者様、ご家族様の同意の上、使用します。",
)
FORM4_AGREEMENT = "私は、上記事項について説明を受け、いずれも同意します。"
FORM4_PROXY = (
    "患者本人は、身体の状態等により署名等ができないため、患者本人の意思を確認のうえ、"
    "私が代筆しました。"
)
FORM4_DATE_LINE = "令和　年　月　日"
SEAL = "㊞"
_SHADE = colors.HexColor("#f2f2f2")

# Widths of the signature blocks (mm): label, name (room to sign), seal, 続柄 label, 続柄.
_WIDTHS = (20, 84, 12, 18, 36)
_PATIENT_WIDTHS = (20, 138, 12)
_SIGN_ROW = 11.5


def _centered(text: str) -> Paragraph:
    pdf.register_font()
    style = ParagraphStyle(
        "form-centered", fontName=pdf.FONT, fontSize=10.5, leading=15, alignment=TA_CENTER
    )
    return Paragraph(text, style)


def _p(
    text: str,
    *,
    size: float = 10,
    indent: float = 0,
    right: bool = False,
    before: float = 0,
    after: float = 1.2,
) -> Paragraph:
    """A compact paragraph, so that form 4 keeps to one page."""
    pdf.register_font()
    style = ParagraphStyle(
        f"form-{size}-{indent}-{right}-{before}-{after}",
        fontName=pdf.FONT,
        fontSize=size,
        leading=size * 1.45,
        wordWrap="CJK",
        leftIndent=indent * mm,
        alignment=TA_RIGHT if right else 0,
        spaceBefore=before * mm,
        spaceAfter=after * mm,
    )
    return Paragraph("<br/>".join(escape(line) for line in text.split("\n")), style)


def _heading(text: str) -> Paragraph:
    return _p(text, size=10.5, before=2.5, after=1)


def _date_line() -> Paragraph:
    """令和　年　月　日 with room to write the numbers (spaces that are not collapsed)."""
    pdf.register_font()
    gap = "&nbsp;" * 10
    style = ParagraphStyle("form-date", fontName=pdf.FONT, fontSize=10.5, leading=18)
    return Paragraph(f"令和{gap}年{gap}月{gap}日", style)


def _signature_block(*, relationship: bool) -> Table:
    """氏名 with room to sign and the seal, 続柄 where asked, and 住所 across the row."""
    if relationship:
        rows = [["氏　名", "", SEAL, "続　柄", ""], ["住　所", "", "", "", ""]]
        widths: tuple[float, ...] = _WIDTHS
        spans = [("SPAN", (1, 1), (4, 1)), ("BACKGROUND", (3, 0), (3, 0), _SHADE)]
    else:
        rows = [["氏　名", "", SEAL], ["住　所", "", ""]]
        widths = _PATIENT_WIDTHS
        spans = [("SPAN", (1, 1), (2, 1))]
    table = pdf.table(rows, widths_mm=widths, min_height_mm=_SIGN_ROW, size=10)
    table.setStyle(TableStyle([*spans, ("BACKGROUND", (0, 0), (0, -1), _SHADE)]))
    return table


def _patient_table(space: Space) -> Table:
    patient = getattr(space, "patient", None)
    facility = space.lead_facility
    rows = [
        ["患者様氏名", f"{patient.name}　様" if patient else ""],
        ["住　所", patient.address if patient else ""],
        ["連携元事業所", facility.name if facility else ""],
    ]
    table = pdf.table(rows, widths_mm=(30, 140), min_height_mm=7, size=10)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (0, -1), _SHADE)]))
    return table


def _footer(space: Space) -> list[Flowable]:
    facility = space.lead_facility
    if facility is None:
        return []
    phone = f"TEL {facility.tel}" + (f"　FAX {facility.fax}" if facility.fax else "")
    lines = [
        f"連携元事業所　{facility.name}",
        f"〒{facility.postal_code}　{facility.address}",
        phone,
    ]
    return [
        pdf.space(3),
        _p(
            "本同意書は2部作成し、患者様（ご家族様）と連携元事業所がそれぞれ1部を保管します。",
            size=8.5,
        ),
        _p("\n".join(lines), size=9, right=True),
    ]


def form4_pdf(space: Space) -> bytes:
    """Form 4 for one patient group: the seed's text, the patient and the lead facility printed
    in, the date and the three signature blocks left blank for the signers (A4, one page)."""
    issued = era_date(timezone.localdate())
    parts: list[Flowable] = [
        _p(f"発行日　{issued}", size=8.5, right=True),
        pdf.title(FORM4_TITLE),
        _patient_table(space),
        pdf.space(3),
        _p(FORM4_INTRO, size=10),
        _centered("記"),
    ]
    for number, item in enumerate(FORM4_ITEMS, start=1):
        parts.append(_p(f"{number}　{item}", size=9.5, indent=4))
    parts += [
        _p("以上", size=10, right=True),
        _date_line(),
        _p(FORM4_AGREEMENT, size=10.5),
        KeepTogether([_heading("＜患者様＞"), _signature_block(relationship=False)]),
        KeepTogether([_heading("＜ご家族様＞"), _signature_block(relationship=True)]),
        KeepTogether(
            [
                _heading("＜署名代筆者＞"),
                _p(FORM4_PROXY, size=9.5),
                _signature_block(relationship=True),
            ]
        ),
        *_footer(space),
    ]
    return pdf.render(parts, title_text=FORM4_TITLE, subject="様式4 (R3.2)")
