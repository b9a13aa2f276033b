"""The detector's readings: name variants, dates of birth, addresses, phones and numbers, and
the clinical talk it lets pass."""

from __future__ import annotations

from datetime import date

import pytest

from renkei.guard.detector import Patient, build_index, detect
from renkei.guard.queries import region_index

TODAY = date(2026, 11, 1)
PATIENT = Patient(
    space_id=7,
    name="大泉 正男",
    furigana="おおいずみ まさお",
    birth_date=date(1940, 3, 8),
    address="埼玉県和光市白子2-14-6",
    phone="048-462-3391",
)
INDEX = build_index(
    [PATIENT],
    member_names=[("山田 一郎", "やまだ いちろう"), ("大泉 由紀", "おおいずみ ゆき")],
    facilities=[("埼玉県和光市南1-23-1", "048-111-0001", "048-111-0009")],
)


def kinds(text: str) -> list[tuple[str, str]]:
    return [(m.kind, m.text) for m in detect(text, INDEX, today=TODAY)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("大泉正男さんの件", "大泉正男"),
        ("大泉 正男さんの件", "大泉 正男"),
        ("大泉　正男さんの件", "大泉　正男"),
        ("おおいずみまさおさん", "おおいずみまさお"),
        ("オオイズミ マサオ様", "オオイズミ マサオ"),
        ("ｵｵｲｽﾞﾐ ﾏｻｵ様", "ｵｵｲｽﾞﾐ ﾏｻｵ"),
        ("大泉様のお宅", "大泉様"),
        ("正男さんが", "正男さん"),
    ],
)
def test_names_are_found_in_their_variants(text, found):
    assert kinds(text) == [("name", found)]
    assert detect(text, INDEX, today=TODAY)[0].patient_id == 7


@pytest.mark.parametrize(
    "text",
    [
        "大泉さんに資料を渡しました。",  # a member is called 大泉: さん may be the colleague
        "大泉学園駅の近く",
        "大泉の研修会場",
        "山田さん、ありがとう",
    ],
)
def test_lone_family_names_and_colleagues_pass(text):
    assert kinds(text) == []


def test_spans_point_into_the_text_as_written():
    text = "連絡：ｵｵｲｽﾞﾐ ﾏｻｵ様、携帯は０９０－１２３４－５６７８です"
    for m in detect(text, INDEX, today=TODAY):
        assert text[m.start : m.end] == m.text
    assert [m.kind for m in detect(text, INDEX, today=TODAY)] == ["name", "phone"]


@pytest.mark.parametrize(
    "text",
    [
        "昭和15年3月8日生まれ",
        "S15.3.8",
        "1940/3/8",
        "1940年3月8日",
        "生年月日：平成27年6月10日",
        "H27.6.10生",
        "１９３１年１１月２３日",
        "昭和6年11月23日（94歳）",
    ],
)
def test_dates_of_birth(text):
    assert [k for k, _ in kinds(text)] == ["birth_date"]


@pytest.mark.parametrize(
    "text",
    [
        "2026年6月14日（土）14:00から勉強会",
        "令和7年度の改定",
        "4/15 19:00〜",
        "2025/4/10 の資料",
        "平成30年4月1日の改定内容",
        "2024年4月1日生活保護の相談窓口が変わりました",
    ],
)
def test_dates_that_are_not_births_pass(text):
    assert kinds(text) == []


def test_a_patients_actual_birth_date_is_found_without_a_hint():
    (m,) = detect("S15.3.8の方", INDEX, today=TODAY)
    assert (m.kind, m.patient_id) == ("birth_date", 7)


@pytest.mark.parametrize(
    "text",
    [
        "朝霞市本町2-3-15",
        "埼玉県和光市白子1丁目5番3号",
        "本町3丁目12番8号",
        "川越市大字今福1234番地",
        "白子2-14-6の方",  # the patient's own address without the city
    ],
)
def test_addresses(text):
    assert [k for k, _ in kinds(text)] == ["address"]


@pytest.mark.parametrize(
    "text",
    [
        "朝霞市の研修会",
        "3階の301号室",
        "当院（和光市南1-23-1）で開催",  # a facility of the region
        "朝霞市本町で健康まつり",
    ],
)
def test_places_that_are_not_a_patients_address_pass(text):
    assert kinds(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "090-1234-5678",
        "09012345678",
        "０９０－１２３４－５６７８",
        "048-462-3391",
        "(048)462-3391",
        "048（462）3391",
        "+81 90-1234-5678",
        "03-3921-4410",
    ],
)
def test_phone_numbers(text):
    assert [k for k, _ in kinds(f"連絡先 {text} です")] == ["phone"]


@pytest.mark.parametrize(
    "text",
    [
        "代表 048-111-0001",  # a facility's number
        "FAX 048-111-0009",
        "0120-123-456",
        "血圧138/78、SpO2 96%",
        "アムロジピン2.5mg",
        "10:30〜11:00",
        "内線2345",
    ],
)
def test_numbers_that_are_not_a_patients_phone_pass(text):
    assert kinds(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "被保険者番号 0001234567",
        "マイナンバー 1234 5678 9012",
        "123456789012",
        "受給者番号は2345678です",
    ],
)
def test_insurance_and_twelve_digit_numbers(text):
    assert [k for k, _ in kinds(text)] == ["insurance_number"]


def test_one_query_per_table_whatever_the_number_of_patients(region, django_assert_num_queries):
    from renkei.spaces.models import PatientRecord, Space, SpaceKind

    for i in range(300):
        space = Space.objects.create(kind=SpaceKind.PATIENT_GROUP, lead_facility=region.clinic)
        PatientRecord.objects.create(
            space=space,
            name=f"試験{i:03d} 花子",
            furigana="しけん はなこ",
            birth_date=date(1930, 1, 1),
            sex="female",
        )
    # The version, then patients, members, facilities: four queries, however many patients.
    with django_assert_num_queries(4):
        index = region_index()
    assert detect("試験123花子さん", index)[0].kind == "name"
