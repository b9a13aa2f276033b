"""The seed's forms as printable Japanese PDFs, prefilled from the data.

Forms 1-3 (F1-F3, R2.9, R1.1): the facility manager's pledge, a staff member's pledge and the
facility's pledge of agreement with its user list.

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
from renkei.facilities.models import Affiliation, Facility
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


# Forms 1-3: the pledges (連携守秘誓約書, 連携情報保持に関する誓約書) and the pledge of agreement
# with the facility's user list (誓約同意書). The articles are the seed's, word for word.

FORM1_TITLE = "メディカルケアステーション（MCS）利用に係る連携守秘誓約書"
FORM2_TITLE = "メディカルケアステーション（MCS）利用に係る連携情報保持に関する誓約書"
FORM3_TITLE = "誓約同意書"

_INFORMATION_1 = (
    "① 患者（利用者）の家族及び{who}に関わる者並びにこれらの関係者の一切の個人情報（氏名、"
    "生年月日、住所、病歴、治療歴、提供するサービスの計画、提供したサービス内容等のほか、"
    "特定の個人を識別することができるものを含む。）",
    "② その他{where}内で知り得た情報（患者、患者の家族及び{who}に関わる者、並びにこれらの"
    "関係者の一切の情報はもちろんのこと、それ以外の{where}内における情報も含む。）",
    "③ その他業務に関連して知り得た情報（業務に関連して第三者から提供された情報を含むが"
    "これに限られない。）",
)

FORM1_ARTICLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "（連携情報保持の誓約）",
        (
            "第1条　私は、メディカルケアステーションを利用する事業所の管理者として、メディカル"
            "ケアステーションを利用する従事者が法令（法律、政令、省令、条例、規則、告示、通達、"
            "事務ガイドライン等を含む。）を遵守するとともに、「一般社団法人朝霞地区医師会 MCS"
            "運用ポリシー」（以下、「運用ポリシー」という。）に基づき、次の①から③の情報（以下、"
            "「連携情報」という。）の一切を許可なく開示、漏えい又は使用しないよう管理することを"
            "誓約します。",
            *(line.format(who="連携業務", where="連携業務") for line in _INFORMATION_1),
        ),
    ),
    (
        "（連携情報の管理等）",
        (
            "第2条　私は、従事者が連携情報（紙媒体のものだけでなく、電子データも含む。）を使用"
            "するにあたって、連携情報を許可なく複写したり、外部に持ち出したり、又は外部に送信"
            "したりしないように監督・指導します。",
            "2　私は、機器（携帯電話、ノートパソコンを含むがこれらに限られない。）を業務で使用"
            "する場合には、運用ポリシーに基づき機器の管理を行います。また、許可を得た機器に保存"
            "されている情報については、業務上不要となった時点で速やかに消去するものとします。",
            "3　私は、従事者に対して個人情報保護やIT機器のセキュリティについて定期的に教育を"
            "実施します。",
        ),
    ),
    (
        "（利用目的外での使用の禁止）",
        (
            "第3条　私は、当該情報を連携業務以外で利用しないものとし、患者その他の第三者の"
            "プライバシー、その他の権利を侵害するような行為を一切致しません。",
        ),
    ),
    (
        "（退職後の連携情報保持の誓約）",
        (
            "第4条　私は、連携を離脱した後も、連携情報の一切を、許可なく開示、漏えい又は使用"
            "しないことを誓約します。",
        ),
    ),
    (
        "（損害賠償）",
        ("第5条　私は、本誓約書の各条の規定に違反した場合、誠意をもって損害賠償の責を負います。",),
    ),
)

FORM2_ARTICLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "（連携情報保持の誓約）",
        (
            "第1条　私は、貴事業所の業務の従業者として、法令（法律、政令、省令、条例、規則、"
            "告示、通達、事務ガイドライン等を含む。）及び貴事業所内の諸規定（就業規則、マニュアル"
            "等を含む。）を遵守するとともに、次の①から③の情報（以下、「連携情報」という。）の"
            "一切を、貴事業所の許可なく、開示、漏えい又は使用しないことを誓約します。",
            *(line.format(who="貴事業所", where="貴事業所") for line in _INFORMATION_1),
        ),
    ),
    (
        "（連携情報の管理等）",
        (
            "第2条　私は、取得した情報（紙媒体のものだけでなく、電子データも含む。）を貴事業所の"
            "許可なく複写したり、外部に持ち出したり、送信しません。",
            "2　私は、貴事業所以外の機器（携帯電話、パソコン、タブレット等の情報端末）を業務で"
            "使用する場合には、必ず書面による許可を得るものとし、それ以外は使用しません。\n"
            "また、許可を得た機器に保存されている情報については、業務上不要となった時点で速やか"
            "に消去するものとします。",
            "3　私は、不正な手段を用いたり、与えられた権限を越えたアクセスはしません。",
        ),
    ),
    (
        "（利用目的外での使用の禁止）",
        (
            "第3条　私は、当該情報を貴事業所が定める目的以外で利用しないものとし、患者その他の"
            "第三者のプライバシー、その他の権利を侵害するような行為を一切致しません。",
        ),
    ),
    (
        "（退職後の連携情報保持の誓約）",
        (
            "第4条　私は、貴事業所を退職した後も、連携情報の一切を、貴事業所の許可なく開示、"
            "漏えい又は使用しないことを誓約します。",
        ),
    ),
    (
        "（損害賠償）",
        (
            "第5条　私は、本誓約書の各条の規定に違反した場合、一切の損害を賠償することを"
            "誓約します。",
        ),
    ),
)

FORM3_PLEDGE = (
    "私は、「メディカルケアステーション（MCS）利用に係る連携守秘誓約書」、「メディカルケア"
    "ステーション（MCS）利用に係る連携情報保持に関する誓約書」に基づき、「一般社団法人朝霞地区"
    "医師会 MCS運用ポリシー」と各種関連ガイドラインを遵守し、MCSを利用する施設、MCS利用者と"
    "しての責任を理解の上、誓約致します。"
)
FORM3_NOTE = (
    "※利用者の登録・解除に関しては、本紙をもって医師会が把握できるものとし、事業所管理者の"
    "変更や従業員の把握が困難になった場合は、本届出を再提出するものとする。"
)
FORM3_MIN_ROWS = 10


def association_name(secretariat_name: str) -> str:
    """The medical association that receives form 1, from the policy's secretariat name:
    "（一社）朝霞地区医師会 地域包括ケア支援室" → "一般社団法人朝霞地区医師会"."""
    name = (
        secretariat_name.strip()
        .replace("（一社）", "一般社団法人")
        .replace("(一社)", "一般社団法人")
    )
    for office in ("地域包括ケア支援室", "事務局"):
        name = name.split(office)[0]
    return name.split()[0] if name.split() else "医師会"


def _articles(articles: tuple[tuple[str, tuple[str, ...]], ...]) -> list[Flowable]:
    parts: list[Flowable] = []
    for caption, paragraphs in articles:
        parts.append(_heading(caption))
        for text in paragraphs:
            indent = 4 if text.startswith(("①", "②", "③")) else 0
            parts.append(_p(text, size=9.5, indent=indent))
    return parts


def _pledge_signature(rows: list[list[str]], *, height_mm: float = 9) -> Table:
    """The signer's lines: label, what the data fills in, and the seal."""
    table = pdf.table(rows, widths_mm=(32, 124, 14), min_height_mm=height_mm, size=10)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (0, -1), _SHADE)]))
    return table


def _issued_line() -> Paragraph:
    return _p(f"発行日　{era_date(timezone.localdate())}", size=8.5, right=True)


def form1_pdf(facility: Facility) -> bytes:
    """Form 1 (F1): the facility manager's pledge to the medical association, articles 1-5 as
    in the seed, addressed to the association named by the policy's secretariat, prefilled with
    the facility and its manager; the date and the seal left for the signer."""
    from renkei.policy.queries import current_policy

    association = association_name(current_policy().secretariat_name)
    phone = f"TEL {facility.tel}" + (f"　FAX {facility.fax}" if facility.fax else "")
    parts: list[Flowable] = [
        _issued_line(),
        pdf.title(FORM1_TITLE),
        _p(f"{association}\n会長　殿", size=11, after=3),
        *_articles(FORM1_ARTICLES),
        pdf.space(4),
        KeepTogether(
            [
                _date_line(),
                pdf.space(1),
                _pledge_signature(
                    [
                        ["事業所名", facility.name, ""],
                        ["事業所所在地", f"〒{facility.postal_code}　{facility.address}", ""],
                        ["電話", phone, ""],
                        ["管理者氏名", facility.manager_name, SEAL],
                    ]
                ),
            ]
        ),
    ]
    return pdf.render(parts, title_text=FORM1_TITLE, subject="様式1 (F1)")


def form2_pdf(affiliation: Affiliation) -> bytes:
    """Form 2 (F2): a staff member's pledge to their facility manager, articles 1-5 as in the
    seed, addressed to （事業所名称） 管理者（氏名） 殿 and prefilled with the member."""
    facility = affiliation.facility
    member = affiliation.member
    parts: list[Flowable] = [
        _issued_line(),
        pdf.title(FORM2_TITLE),
        _p(f"{facility.name}\n管理者　{facility.manager_name}　殿", size=11, after=3),
        *_articles(FORM2_ARTICLES),
        pdf.space(4),
        KeepTogether(
            [
                _date_line(),
                pdf.space(1),
                _pledge_signature(
                    [
                        ["事業所名", facility.name, ""],
                        ["職種", member.get_profession_display(), ""],
                        ["（ふりがな）\n氏名", f"（{member.furigana}）\n{member.name}", SEAL],
                    ]
                ),
            ]
        ),
    ]
    return pdf.render(parts, title_text=FORM2_TITLE, subject="様式2 (F2)")


def _form3_users(rows: list[Affiliation]) -> Table:
    """The user list as the form has it: two lines per user (登録日 over 解除日, 職種 over
    メールアドレス), No. and name across both, the seal on the first; repeated header."""
    pdf.register_font()
    style = ParagraphStyle("form3-cell", fontName=pdf.FONT, fontSize=8.5, leading=11)
    small = ParagraphStyle("form3-small", fontName=pdf.FONT, fontSize=7, leading=9)

    def cell(text: str, *, tiny: bool = False) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), small if tiny else style)

    data: list[list[object]] = [
        [
            cell("No."),
            cell("登録日"),
            cell("(ふりがな)\n氏名"),
            cell("職種"),
            cell("印\n登録時のみ"),
        ],
        ["", cell("解除日\n(資格喪失日)"), "", cell("メールアドレス"), ""],
    ]
    commands: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 1), _SHADE),
        ("SPAN", (0, 0), (0, 1)),
        ("SPAN", (2, 0), (2, 1)),
        ("SPAN", (3, 1), (4, 1)),
    ]
    for index in range(max(len(rows), FORM3_MIN_ROWS)):
        top = len(data)
        row = rows[index] if index < len(rows) else None
        if row is None:
            data += [[cell(str(index + 1)), "", "", "", ""], ["", "", "", "", ""]]
        else:
            member = row.member
            data += [
                [
                    cell(str(row.number)),
                    cell(era_date(row.registered_on)),
                    [cell(member.furigana, tiny=True), cell(member.name)],
                    cell(member.get_profession_display()),
                    "",
                ],
                [
                    "",
                    cell(era_date(row.lost_on) if row.lost_on else ""),
                    "",
                    cell(member.email),
                    "",
                ],
            ]
        commands += [
            ("SPAN", (0, top), (0, top + 1)),
            ("SPAN", (2, top), (2, top + 1)),
            ("SPAN", (3, top + 1), (4, top + 1)),
        ]
    table = Table(
        data,
        colWidths=[w * mm for w in (11, 29, 50, 58, 22)],
        rowHeights=[8 * mm, 8 * mm] + [6.2 * mm] * (len(data) - 2),
        repeatRows=2,
    )
    table.setStyle(TableStyle(commands))
    return table


def form3_pdf(facility: Facility) -> bytes:
    """Form 3 (F3): the facility's pledge of agreement with its user list (No., 登録日,
    (ふりがな) 氏名, 職種, 印, 解除日 (資格喪失日), メールアドレス), current and past users in
    number order, over several pages when the list is long (the header repeats)."""
    from renkei.policy.queries import current_policy

    policy = current_policy()
    rows = list(
        Affiliation.objects.filter(facility=facility).select_related("member").order_by("number")
    )
    tel_fax = f"TEL　{facility.tel}　／　FAX　{facility.fax or '　'}"
    parts: list[Flowable] = [
        _issued_line(),
        pdf.title(FORM3_TITLE),
        _p(FORM3_PLEDGE, size=10, after=3),
        _p(f"誓約日：{era_date(facility.pledge_date)}", size=10.5, after=2),
        _pledge_signature(
            [
                ["事業所名", facility.name, ""],
                ["事業所所在地", f"〒{facility.postal_code}　{facility.address}", ""],
                ["TEL／FAX", tel_fax, ""],
                ["管理者氏名", facility.manager_name, SEAL],
            ],
            height_mm=7.5,
        ),
        _heading("利用者"),
        _form3_users(rows),
        pdf.space(2),
        _p(FORM3_NOTE, size=8.5),
        _p(
            f"提出先（原本を下記住所宛にお送りください）　{policy.secretariat_name}\n"
            f"{policy.secretariat_address}　電話　{policy.secretariat_tel}",
            size=8.5,
            right=True,
        ),
    ]
    return pdf.render(parts, title_text=FORM3_TITLE, subject="様式3 (F3)")
