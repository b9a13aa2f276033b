"""The deletion certificate (完全削除証明書, R3.5): a PDF in Japanese stating what was erased.

It holds the tombstone's facts only: the group's id, the lead facility, who asked (the patient
or family, never a name), when and how, who executed and when, and counts. No content and no
patient name can appear, because the tombstone holds none.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone, translation

from renkei.documents import pdf
from renkei.erasure.labels import count_rows
from renkei.erasure.models import RequestChannel, Requester, Tombstone
from renkei.policy.queries import current_policy

TITLE = "完全削除証明書"

REQUESTER_WORDS = {Requester.PATIENT: "患者本人", Requester.FAMILY: "家族"}
CHANNEL_WORDS = {
    RequestChannel.IN_PERSON: "対面",
    RequestChannel.PHONE: "電話",
    RequestChannel.LETTER: "書面",
    RequestChannel.OTHER: "その他",
}


def _day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _moment(value: datetime) -> str:
    local = timezone.localtime(value)
    return f"{_day(local.date())} {local:%H:%M}"


def requester_words(tombstone: Tombstone) -> str:
    words = REQUESTER_WORDS.get(Requester(tombstone.requester), tombstone.requester)
    if tombstone.requester == Requester.FAMILY and tombstone.relationship:
        words += f"（続柄：{tombstone.relationship}）"
    return words


def deletion_certificate(tombstone: Tombstone, *, issued_on: date | None = None) -> bytes:
    """The certificate of one executed deletion, as a PDF with the Japanese font embedded."""
    policy = current_policy()
    issued = issued_on or timezone.localdate()
    facility = tombstone.lead_facility_name or "—"
    facts = [
        ["患者グループID", str(tombstone.space_public_id)],
        ["連携元事業所", facility],
        ["患者グループ作成日", _day(timezone.localtime(tombstone.space_created_at).date())],
        ["削除の申出日", _day(tombstone.asked_on)],
        ["申出者", requester_words(tombstone)],
        ["申出の方法", CHANNEL_WORDS.get(RequestChannel(tombstone.channel), tombstone.channel)],
        ["依頼の記録", f"{tombstone.requested_by_name}（{_moment(tombstone.requested_at)}）"],
        ["削除の実行日時", _moment(tombstone.executed_at)],
        ["実行者（運用担当）", tombstone.executed_by_name],
        ["データ鍵の破棄", _moment(tombstone.key_destroyed_at)],
    ]
    with translation.override("ja"):
        counts = [[label, f"{n:,}"] for label, n in count_rows(tombstone.counts)]
    flowables = [
        pdf.para(f"発行日　{_day(issued)}", right=True),
        pdf.title(TITLE),
        pdf.para(
            "下記の患者グループについて、患者本人または家族からの申出に基づき、投稿・返信・"
            "編集前の版・添付ファイル（写真とその縮小画像を含む）・検索索引・通知・患者情報を"
            "含むすべての内容を完全に削除し、その暗号化ファイルを復号するためのデータ鍵を"
            "破棄したことを証明します。バックアップに残る暗号化ファイルの複製も、以後読み出す"
            "ことはできません。"
        ),
        pdf.space(3),
        pdf.heading("削除の概要"),
        pdf.table(facts, widths_mm=[48, 122], min_height_mm=9),
        pdf.space(3),
        pdf.heading("削除した内容（件数）"),
        pdf.table([["区分", "件数"], *counts], widths_mm=[120, 50], header=True, min_height_mm=7),
        pdf.space(3),
        pdf.para(
            "本証明書には内容そのもの及び患者の氏名は記載していません。"
            "削除の記録（監査ログ）には識別番号のみが残ります。",
            size=9,
        ),
        pdf.space(6),
        pdf.para(policy.secretariat_name or "事務局", right=True),
    ]
    return pdf.render(flowables, title_text=TITLE, subject=str(tombstone.space_public_id))
