"""Finding patients' personal information in a text (R2.6): names, dates of birth, addresses,
phone numbers and insurance-like numbers.

Pure functions over a :class:`PatientIndex` (the region's patients and facilities, loaded by
``renkei.guard.queries``), so the same detector runs on a post and on the labelled set. Every
pattern is compiled once at import; a text is normalised once (NFKC: full-width digits and
spaces, half-width katakana), names are looked up in a dictionary of their variants, so a check
costs the same for ten patients or ten thousand.

What is deliberately *not* flagged, so that groups stay usable for clinical talk:

- a lone family name (山田) and a family name with さん/氏/くん/ちゃん when a member of the
  network has that family name (it is then as likely a colleague); 様 and 殿 always count;
- dates that neither match a patient's birth date, nor stand next to 生/生まれ/誕生/生年月日,
  nor lie 30 years or more in the past (meeting dates, 令和7年度, 4/10 14:00);
- the telephone and fax numbers and the addresses of the region's facilities, and business
  numbers (0120, 0800, 0570): a clinic's number is not a patient's;
- vital signs, doses, times and room numbers (血圧 138/78, 2.5mg, 10:30, 301号室).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

NAME = "name"
BIRTH_DATE = "birth_date"
ADDRESS = "address"
PHONE = "phone"
INSURANCE_NUMBER = "insurance_number"
KINDS = (NAME, BIRTH_DATE, ADDRESS, PHONE, INSURANCE_NUMBER)

# Honorifics that point at a patient whatever other names exist, and those that are used for
# colleagues as much as for patients.
ALWAYS_HONORIFICS = ("様", "さま", "殿")
SHARED_HONORIFICS = ("さん", "氏", "くん", "ちゃん")
# Years before now from which a full date reads as a date of birth without any other hint.
BIRTH_LIKE_YEARS = 30

_HYPHENS = "-‐‑‒–—―−ー－~〜"
_HY = "[" + re.escape(_HYPHENS) + "]"
_COMPACT_DROP = set(" \t\u3000・･")

_ERAS = {
    "明治": 1868,
    "大正": 1912,
    "昭和": 1926,
    "平成": 1989,
    "令和": 2019,
    "明": 1868,
    "大": 1912,
    "昭": 1926,
    "平": 1989,
    "令": 2019,
    "M": 1868,
    "T": 1912,
    "S": 1926,
    "H": 1989,
    "R": 2019,
}

_PREFECTURES = (
    "北海道|青森県|岩手県|宮城県|秋田県|山形県|福島県|茨城県|栃木県|群馬県|埼玉県|千葉県|"
    "東京都|神奈川県|新潟県|富山県|石川県|福井県|山梨県|長野県|岐阜県|静岡県|愛知県|三重県|"
    "滋賀県|京都府|大阪府|兵庫県|奈良県|和歌山県|鳥取県|島根県|岡山県|広島県|山口県|徳島県|"
    "香川県|愛媛県|高知県|福岡県|佐賀県|長崎県|熊本県|大分県|宮崎県|鹿児島県|沖縄県"
)
_KANJI = "一-龥々〆ヶ"

_DATE_PATTERNS = [
    # 昭和15年3月8日, 昭15年3月8日, 平成元年4月1日 (the day may be left out before 生まれ)
    re.compile(
        r"(?P<era>明治|大正|昭和|平成|令和|[明大昭平令])\s?(?P<y>元|\d{1,2})\s?年\s?"
        r"(?P<m>\d{1,2})\s?月\s?(?:(?P<d>\d{1,2})\s?日?)?"
    ),
    # 昭和15.3.8, S15.3.8, s15/3/8
    re.compile(
        r"(?<![A-Za-z])(?P<era>明治|大正|昭和|平成|令和|[明大昭平令MTSHRmtshr])\s?"
        r"(?P<y>\d{1,2})[./](?P<m>\d{1,2})[./](?P<d>\d{1,2})(?![\d./])"
    ),
    # 1940年3月8日, 1940/3/8, 1940-03-08, 1940.3.8
    re.compile(
        r"(?<![\d.])(?P<y>(?:18|19|20)\d{2})\s?(?:年\s?(?P<m>\d{1,2})\s?月\s?(?:(?P<d>\d{1,2})\s?日?)?"
        r"|(?P<sep>[./-])(?P<m2>\d{1,2})(?P=sep)(?P<d2>\d{1,2})(?![\d./]))"
    ),
]
_BIRTH_BEFORE = re.compile(r"(?:生年月日|誕生日|生年|DOB|D\.O\.B|birth)\s*[:：は=]?\s*$", re.I)
_BIRTH_AFTER = re.compile(
    r"^\s*(?:生まれ|産まれ|誕生|生(?![活命産保理検涯徒])|[(（]\s*\d{1,3}\s*歳)"
)

_ADDRESS_PATTERNS = [
    # A prefecture or a city, then a locality and a number chain: 朝霞市本町2-3-15,
    # 埼玉県和光市白子1丁目5番3号, 練馬区大泉町3-12-8.
    re.compile(
        rf"(?:{_PREFECTURES}|[{_KANJI}ぁ-ん]{{1,5}}[市区郡])[{_KANJI}ァ-ヶ]{{0,12}}?"
        rf"\d{{1,4}}\s?(?:丁目|番地?|{_HY})\s?\d{{1,4}}(?:\s?(?:番地?|号|{_HY})\s?\d{{0,4}}\s?号?)?"
        r"(?![\d年月日時分%件名回人歳]|号室)"
    ),
    # A street address without a city: 2丁目5番3号, 3丁目12-8, 本町二丁目5番地
    re.compile(rf"\d{{1,3}}\s?丁目\s?\d{{1,4}}\s?(?:番地?|{_HY})\s?(?:\d{{1,4}}\s?号?)?(?!号室)"),
    re.compile(rf"[{_KANJI}]{{1,6}}\d{{1,5}}番地(?:\s?\d{{1,4}})?"),
]

_PHONE = re.compile(
    rf"(?<![\d.,/])(?:"
    rf"(?:\+81[\s-]?0?|0)\d{{0,4}}(?:\s?{_HY}\s?|\s)?\d{{1,4}}(?:\s?{_HY}\s?|\s)?\d{{3,4}}"
    rf"|[(（]0\d{{0,4}}[)）]\s?\d{{1,4}}(?:\s?{_HY}\s?|\s)?\d{{3,4}}"
    rf"|0\d{{1,4}}\s?[(（]\d{{1,4}}[)）]\s?\d{{3,4}}"
    rf")(?![\d.,/]|\s?(?:mg|ml|円|件|人|歳|回|%))",
    re.I,
)
_BUSINESS_PREFIXES = ("0120", "0800", "0570", "0990")

_INSURANCE_WITH_KEYWORD = re.compile(
    r"(?:被保険者証?番号|被保険者証|保険者番号|保険証番号|保険証の番号|介護保険番号|保険番号|"
    r"記号番号|個人番号|マイナンバー|受給者番号|受給者証番号|公費負担者番号)"
    rf"[^\d\n]{{0,8}}(?P<n>\d(?:[\d]|\s?{_HY}\s?|\s){{5,18}}\d)"
)
_TWELVE_DIGITS = re.compile(rf"(?<![\d.])\d{{4}}(?:\s|{_HY})?\d{{4}}(?:\s|{_HY})?\d{{4}}(?![\d.])")


@dataclass(frozen=True)
class Match:
    """One finding: its kind, the text as written and where it is in the checked text.

    ``patient_id`` is the space of the patient it belongs to, when it names one; ``field`` is
    the part of a post it was found in (its text, or its attachments' names).
    """

    kind: str
    text: str
    start: int
    end: int
    patient_id: int | None = None
    field: str = "body"


@dataclass(frozen=True)
class Patient:
    space_id: int
    name: str
    furigana: str
    birth_date: date | None = None
    address: str = ""
    phone: str = ""


@dataclass
class PatientIndex:
    """The region's patients, the family and given names of its members, and its facilities'
    numbers and addresses, prepared for lookup."""

    names: dict[str, int] = field(default_factory=dict)
    name_lengths: list[int] = field(default_factory=list)
    addresses: dict[str, int] = field(default_factory=dict)
    address_lengths: list[int] = field(default_factory=list)
    phones: dict[str, int] = field(default_factory=dict)
    birth_dates: dict[date, int] = field(default_factory=dict)
    facility_phones: set[str] = field(default_factory=set)
    facility_addresses: list[str] = field(default_factory=list)


# Katakana to hiragana, character for character (lengths are kept), and one kind of hyphen.
_FOLD = str.maketrans(
    {
        **{chr(c): chr(c - 0x60) for c in range(ord("ァ"), ord("ヶ") + 1)},
        **dict.fromkeys(_HYPHENS, "-"),
    }
)
_DROP = str.maketrans(dict.fromkeys(_COMPACT_DROP))
_NOT_DIGITS = re.compile(r"\D")


def _key(text: str) -> str:
    """The form in which names and addresses are compared: NFKC, hiragana, no spaces or dots
    between parts, one kind of hyphen."""
    return unicodedata.normalize("NFKC", text).translate(_FOLD).translate(_DROP)


def _digits(text: str) -> str:
    return _NOT_DIGITS.sub("", unicodedata.normalize("NFKC", text))


_SEPARATORS = re.compile(r"[\s・･]+")
_PREFECTURE = re.compile(_PREFECTURES)
_CITY_END = re.compile("[市区郡]")


def _parts(name: str) -> list[str]:
    """The parts of a name (family, given) in NFKC; a name written without a space is one."""
    return _SEPARATORS.split(unicodedata.normalize("NFKC", name).translate(_FOLD).strip())


def build_index(
    patients: Iterable[Patient],
    *,
    member_names: Iterable[tuple[str, str]] = (),
    facilities: Iterable[tuple[str, str, str]] = (),
) -> PatientIndex:
    """An index of ``patients``; ``member_names`` are (name, furigana) of the network's
    members, ``facilities`` (address, tel, fax) of its facilities."""
    staff: set[str] = set()
    for name, furigana in member_names:
        staff.update(_parts(name))
        staff.update(_parts(furigana))
    index = PatientIndex()
    for p in patients:
        variants: set[str] = set()
        for written in (p.name, p.furigana):
            parts = _parts(written)
            variants.add("".join(parts))
            if len(parts) > 1:
                for single in (parts[0], parts[-1]):
                    variants.update(single + h for h in ALWAYS_HONORIFICS)
                    if single not in staff:
                        variants.update(single + h for h in SHARED_HONORIFICS)
        for v in variants:
            if len(v) >= 2:
                index.names.setdefault(v, p.space_id)
        if p.birth_date:
            index.birth_dates.setdefault(p.birth_date, p.space_id)
        if p.phone and len(digits := _digits(p.phone)) >= 10:
            index.phones.setdefault(digits, p.space_id)
        for v in _address_variants(p.address):
            index.addresses.setdefault(v, p.space_id)
    for address, tel, fax in facilities:
        index.facility_phones.update(d for d in (_digits(tel), _digits(fax)) if d)
        if address:
            index.facility_addresses.append(_key(address))
    index.name_lengths = sorted({len(v) for v in index.names})
    index.address_lengths = sorted({len(v) for v in index.addresses})
    return index


def _address_variants(address: str) -> list[str]:
    """The patient's address and its tails (without prefecture, without city) as long as they
    keep a number, so 本町1-2-3 is found without 朝霞市 in front of it."""
    key = _key(address)
    if len(key) < 5 or not any(c.isdigit() for c in key):
        return []
    variants = [key]
    if m := _PREFECTURE.match(key):
        variants.append(key[m.end() :])
    if m := _CITY_END.search(key):
        variants.append(key[m.end() :])
    return [v for v in variants if len(v) >= 5 and any(c.isdigit() for c in v)]


class _Text:
    """A text normalised for matching, with the way back to the positions as written."""

    def __init__(self, original: str) -> None:
        self.original = original
        chars: list[str] = []
        where: list[int] = []
        for i, ch in enumerate(original):
            norm = unicodedata.normalize("NFKC", ch)
            if norm in ("\u3099", "\u309a") and chars:
                # A half-width voiced mark (ｶﾞ): join it to the kana before it.
                joined = unicodedata.normalize("NFC", chars[-1] + norm)
                if len(joined) == 1:
                    chars[-1] = joined
                    continue
            for c in norm:
                chars.append(c)
                where.append(i)
        self.norm = "".join(chars)
        self.where = where
        folded = self.norm.translate(_FOLD)
        kept = [i for i, c in enumerate(folded) if c not in _COMPACT_DROP]
        self.compact = "".join(folded[i] for i in kept)
        self.compact_where = kept

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Positions in ``norm`` back to positions in the original text."""
        return self.where[start], self.where[end - 1] + 1

    def compact_span(self, start: int, end: int) -> tuple[int, int]:
        return self.span(self.compact_where[start], self.compact_where[end - 1] + 1)

    def match(self, kind: str, start: int, end: int, patient_id: int | None = None) -> Match:
        s, e = self.span(start, end)
        return Match(kind, self.original[s:e], s, e, patient_id)

    def compact_match(self, kind: str, start: int, end: int, patient_id: int | None) -> Match:
        s, e = self.compact_span(start, end)
        return Match(kind, self.original[s:e], s, e, patient_id)


def _lookup(
    text: _Text, table: dict[str, int], lengths: list[int], kind: str, found: list[Match]
) -> None:
    compact = text.compact
    n = len(compact)
    i = 0
    while i < n:
        hit = 0
        for length in reversed(lengths):
            if i + length <= n and (pid := table.get(compact[i : i + length])) is not None:
                found.append(text.compact_match(kind, i, i + length, pid))
                hit = length
                break
        i += hit or 1


def _int(value: str) -> int:
    return 1 if value == "元" else int(value)


def _date_of(m: re.Match[str]) -> tuple[date | None, bool]:
    """The date a pattern found and whether it has a day; None when it is no real date."""
    groups = m.groupdict()
    year = _int(groups["y"])
    if groups.get("era"):
        era = groups["era"]
        base = _ERAS.get(era) or _ERAS.get(era.upper())
        if base is None or year > 64:
            return None, False
        year = base + year - 1
    month = groups.get("m") or groups.get("m2")
    day = groups.get("d") or groups.get("d2")
    try:
        return date(year, int(month or 0), int(day or 1)), day is not None
    except ValueError:
        return None, False


def _birth_dates(text: _Text, index: PatientIndex, today: date, found: list[Match]) -> None:
    norm = text.norm
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(norm):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            when, has_day = _date_of(m)
            if when is None or when > today:
                continue
            pid = index.birth_dates.get(when) if has_day else None
            hinted = bool(
                _BIRTH_BEFORE.search(norm[max(0, m.start() - 12) : m.start()])
                or _BIRTH_AFTER.match(norm[m.end() : m.end() + 8])
            )
            old = has_day and when.year <= today.year - BIRTH_LIKE_YEARS
            if pid is not None or hinted or old:
                taken.append((m.start(), m.end()))
                found.append(text.match(BIRTH_DATE, m.start(), m.end(), pid))


def _addresses(text: _Text, index: PatientIndex, found: list[Match]) -> None:
    _lookup(text, index.addresses, index.address_lengths, ADDRESS, found)
    for pattern in _ADDRESS_PATTERNS:
        for m in pattern.finditer(text.norm):
            key = _key(m.group())
            if any(key in known for known in index.facility_addresses):
                continue
            found.append(text.match(ADDRESS, m.start(), m.end()))


def _phones(text: _Text, index: PatientIndex, found: list[Match]) -> None:
    for m in _PHONE.finditer(text.norm):
        digits = _digits(m.group())
        if digits.startswith("81") and m.group().lstrip().startswith("+"):
            digits = "0" + digits[2:]
        mobile = digits[:3] in ("050", "070", "080", "090")
        if len(digits) != (11 if mobile else 10) or not digits.startswith("0"):
            continue
        if digits.startswith(_BUSINESS_PREFIXES) or digits in index.facility_phones:
            continue
        found.append(text.match(PHONE, m.start(), m.end(), index.phones.get(digits)))


def _insurance(text: _Text, found: list[Match]) -> None:
    for m in _INSURANCE_WITH_KEYWORD.finditer(text.norm):
        found.append(text.match(INSURANCE_NUMBER, m.start("n"), m.end("n")))
    for m in _TWELVE_DIGITS.finditer(text.norm):
        found.append(text.match(INSURANCE_NUMBER, m.start(), m.end()))


def detect(text: str, index: PatientIndex, *, today: date | None = None) -> list[Match]:
    """Everything in ``text`` that looks like a patient's personal information, in the order
    it appears; where two findings overlap the first kind checked (names, then insurance
    numbers, birth dates, addresses, phones) keeps the span."""
    if not text.strip():
        return []
    prepared = _Text(text)
    found: list[Match] = []
    _lookup(prepared, index.names, index.name_lengths, NAME, found)
    _insurance(prepared, found)
    _birth_dates(prepared, index, today or timezone.localdate(), found)
    _addresses(prepared, index, found)
    _phones(prepared, index, found)
    kept: list[Match] = []
    for m in found:
        if not any(k.start < m.end and m.start < k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)
