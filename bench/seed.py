"""The bench region, written into the bench's own scratch database (``RENKEI_DATA_DIR``).

Members and their facility are rows, as the test region's are (nobody reads activation mail
here); the spaces the benchmark posts into are made through the real actions. The history
space that the benchmark only reads is filled with bulk rows, which is what makes 10,000 posts
take a second instead of minutes.

Run by ``bench.run`` in a subprocess: ``python -m bench.seed --users 20 ... --out seed.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renkei.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from renkei.accounts.models import Member, Profession  # noqa: E402
from renkei.facilities.models import Affiliation, Facility, FacilityState  # noqa: E402
from renkei.policy.models import PolicyValue  # noqa: E402
from renkei.spaces.actions import create_group  # noqa: E402
from renkei.spaces.models import Membership, Space  # noqa: E402
from renkei.timeline.models import Post  # noqa: E402

PASSWORD = "Bench2026pass"  # noqa: S105  (the scratch region's own members, on loopback)
PROFESSIONS = [p.value for p in Profession]


def members(n: int) -> list[Member]:
    clinic = Facility.objects.create(
        kind="clinic",
        name="ベンチ在宅クリニック",
        postal_code="351-0104",
        address="埼玉県和光市南1-23-1",
        tel="048-000-0001",
        pledge_date=date(2026, 4, 1),
        state=FacilityState.ACTIVE,
        decided_at=timezone.now(),
    )
    made = []
    for i in range(n):
        member = Member.objects.create_member(
            login_id=f"bench{i:02d}",
            name=f"計測 {i:02d}",
            furigana=f"けいそく {i:02d}",
            profession=PROFESSIONS[i % len(PROFESSIONS)],
            email=f"bench{i:02d}@example.jp",
            password=PASSWORD,
            is_active=True,
            activated_at=timezone.now(),
        )
        Affiliation.objects.create(
            member=member,
            facility=clinic,
            number=i + 1,
            registered_on=timezone.localdate() - timedelta(days=30),
            # Care staff, not admins: the region's policy asks admins for a second factor, which
            # the benchmark's clients do not have (a member's post path is the same).
            is_admin=False,
            is_manager=i == 0,
        )
        made.append(member)
    return made


def room_members(r: int, users: int, per_room: int) -> list[int]:
    """The peer benchmark's layout: room r holds users (2r + k) mod users; its creator is 2r."""
    return [(2 * r + k) % users for k in range(per_room)]


def fill(space: Space, authors: list[Member], n: int) -> int:
    """``n`` posts of history in ``space`` as rows; the newest counts as read by its members."""
    now = timezone.now()
    rows = [
        Post(
            space=space,
            author=authors[i % len(authors)],
            body=f"経過記録 {i} 体温36.{i % 10}度、血圧{110 + i % 30}/{70 + i % 15}。"
            + "様子" * 20,
            created_at=now - timedelta(seconds=n - i),
        )
        for i in range(n)
    ]
    for start in range(0, n, 2000):
        Post.objects.bulk_create(rows[start : start + 2000])
    newest = Post.objects.filter(space=space).order_by("-pk").values_list("pk", flat=True).first()
    Space.objects.filter(pk=space.pk).update(last_post_id=newest or 0, last_activity_at=now)
    Membership.objects.filter(space=space).update(last_read_post_id=newest or 0)
    return n


PHRASES = [
    "本日訪問しました。",
    "血圧{a}/{b}、脈拍{c}。",
    "体温36.{d}度、発熱なし。",
    "夜間に37.{d}度の熱がありました。",
    "食事は半分ほど摂取。",
    "仙骨部の褥瘡は処置を継続しています。",
    "インスリンの量を確認してください。",
    "ご家族から相談がありました。",
    "次回の訪問は{e}日です。",
    "服薬カレンダーを更新しました。",
    "リハビリで歩行が安定してきました。",
    "ケアプランの見直しを検討します。",
]


def care_note(pick: random.Random, parts: int) -> str:
    """A visit record of ``parts`` phrases with plausible figures, for search and scale."""
    return "".join(
        pick.choice(PHRASES).format(
            a=pick.randint(100, 160),
            b=pick.randint(60, 95),
            c=pick.randint(55, 100),
            d=pick.randint(0, 9),
            e=pick.randint(1, 28),
        )
        for _ in range(parts)
    )


def corpus(space: Space, authors: list[Member], n: int, seed: int = 7) -> int:
    """``n`` varied posts for search: a few phrases each, some common, some rare."""
    pick = random.Random(seed)
    now = timezone.now()
    made = 0
    for start in range(0, n, 5000):
        rows = []
        for i in range(start, min(n, start + 5000)):
            body = care_note(pick, pick.randint(2, 4))
            rows.append(
                Post(
                    space=space,
                    author=authors[i % len(authors)],
                    body=body,
                    created_at=now - timedelta(seconds=n - i),
                )
            )
        Post.objects.bulk_create(rows)
        made += len(rows)
    newest = Post.objects.filter(space=space).order_by("-pk").values_list("pk", flat=True).first()
    Space.objects.filter(pk=space.pk).update(last_post_id=newest or 0, last_activity_at=now)
    Membership.objects.filter(space=space).update(last_read_post_id=newest or 0)
    return made


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--rooms", type=int, default=10)
    ap.add_argument("--members", type=int, default=10)
    ap.add_argument("--history", type=int, default=10000)
    ap.add_argument("--search-posts", type=int, default=90000)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()

    # The rate limits at the policy's highest, as the peer's are raised for its benchmark: posts
    # and searches are still counted against them on every request (R2.3), but the load stays under.
    highest = {
        "posts_per_minute": 1000,
        "posts_per_minute_address": 10000,
        "searches_per_minute": 1000,
        "searches_per_minute_address": 10000,
    }
    for key, value in highest.items():
        PolicyValue.objects.update_or_create(key=key, defaults={"value": value})
    people = members(args.users)
    rooms = []
    for r in range(args.rooms):
        ids = room_members(r, args.users, min(args.members, args.users))
        creator = people[ids[0]]
        space = create_group(
            creator, name=f"連携ルーム {r}", member_ids=[people[i].pk for i in ids[1:]]
        )
        rooms.append({"id": str(space.public_id), "members": ids})
    one_room = create_group(
        people[0], name="全員の部屋", member_ids=[m.pk for m in people[1 : args.users]]
    )
    history = create_group(people[0], name="経過記録", member_ids=[people[1].pk])
    with transaction.atomic():
        filled = fill(history, people[:2], args.history)
    # The search corpus: with the history, the reader's spaces hold history + search posts.
    records = create_group(people[0], name="検索用の記録", member_ids=[people[1].pk])
    with transaction.atomic():
        corpus(records, people[:2], args.search_posts)
    args.out.write_text(
        json.dumps(
            {
                "password": PASSWORD,
                "users": [m.login_id for m in people],
                "rooms": rooms,
                "one_room": str(one_room.public_id),
                "history": {"id": str(history.public_id), "posts": filled},
                "search": {
                    "reader": people[1].login_id,
                    "posts_readable": Post.objects.filter(
                        space__memberships__member=people[1],
                        space__memberships__state="active",
                    ).count(),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
