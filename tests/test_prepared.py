"""Prepared queries (renkei/prepared.py) answer exactly what their QuerySet answers, with one
statement, and refuse what they cannot follow instead of running it wrong."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, Model, OuterRef, QuerySet
from django.db.models.signals import post_init, post_save
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from renkei.accounts.models import Member
from renkei.audit.models import AppendOnlyError, AuditEvent
from renkei.policy.models import PolicyValue
from renkei.prepared import (
    PreparedQueryError,
    _plainly_built,
    prepared,
    prepared_insert,
    prepared_update,
)
from renkei.spaces.actions import create_group
from renkei.spaces.models import Membership, MembershipState, Space
from renkei.timeline.actions import post_message
from renkei.timeline.models import Post
from tests.support.region import Region


@prepared
def membership_of(space_id: int, member_id: int) -> QuerySet[Membership]:
    return Membership.objects.filter(space_id=space_id, member_id=member_id)


@prepared
def member_by_public_id(public_id: uuid.UUID) -> QuerySet[Member]:
    return Member.objects.filter(public_id=public_id)


@prepared
def members_joined_after(at: datetime) -> QuerySet[Member]:
    return Member.objects.filter(created_at__gt=at).order_by("-login_id")


@prepared
def login_ids_of_space(space_id: int) -> QuerySet[Membership, tuple[int, str]]:
    return (
        Membership.objects.filter(space_id=space_id, state=MembershipState.ACTIVE)
        .order_by("member_id")
        .values_list("member_id", "member__login_id")
    )


@prepared
def post_ids(space_id: int) -> QuerySet[Post, int]:
    return Post.objects.filter(space_id=space_id).order_by("pk").values_list("pk", flat=True)


@prepared
def post_dicts(space_id: int) -> QuerySet[Post, dict[str, object]]:
    return Post.objects.filter(space_id=space_id).order_by("pk").values("pk", "body", "created_at")


@prepared
def membership_with_space(member_id: int, public_id: uuid.UUID) -> QuerySet[Membership]:
    return Membership.objects.select_related("space", "space__lead_facility").filter(
        member_id=member_id, space__public_id=public_id
    )


@prepared
def with_unread_flag(space_id: int, author_id: int) -> QuerySet[Membership, tuple[int, bool]]:
    later = Post.objects.filter(space_id=OuterRef("space_id"), author_id=author_id)
    return (
        Membership.objects.filter(space_id=space_id)
        .exclude(member_id=author_id)
        .annotate(has_posts=Exists(later))
        .order_by("member_id")
        .values_list("member_id", "has_posts")
    )


@prepared
def locked_space(space_id: int) -> QuerySet[Space]:
    return Space.objects.select_for_update().filter(pk=space_id)


def _space(region: Region) -> Space:
    space = create_group(
        region.doctor,
        name="退院前カンファレンス",
        member_ids=[region.nurse.pk, region.pharmacist.pk],
    )
    post_message(region.doctor, space_id=space.pk, body="週明けに訪問します。")
    post_message(region.nurse, space_id=space.pk, body="了解しました。")
    return space


def _fields(obj: object) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}  # type: ignore[attr-defined]


def test_model_objects_are_the_querysets_field_for_field(region: Region) -> None:
    space = _space(region)
    got = membership_of.first(space.pk, region.nurse.pk)
    expected = Membership.objects.filter(space_id=space.pk, member_id=region.nurse.pk).first()
    assert got is not None
    assert expected is not None
    assert _fields(got) == _fields(expected)
    assert got._state.adding is False
    assert got._state.db == "default"
    assert membership_of.first(space.pk, region.helper.pk) is None


def test_the_second_call_runs_one_statement_with_the_new_values(region: Region) -> None:
    space = _space(region)
    membership_of.first(space.pk, region.doctor.pk)
    with CaptureQueriesContext(connection) as queries:
        got = membership_of.first(space.pk, region.pharmacist.pk)
    assert got is not None
    assert got.member_id == region.pharmacist.pk
    assert len(queries.captured_queries) == 1


def test_values_are_converted_as_django_converts_them(region: Region) -> None:
    got = member_by_public_id.first(region.nurse.public_id)
    assert got is not None
    assert got.pk == region.nurse.pk
    assert isinstance(got.public_id, uuid.UUID)
    assert got.public_id == region.nurse.public_id
    assert got.created_at == region.nurse.created_at
    assert got.created_at.tzinfo is not None
    assert got.is_active is True
    assert member_by_public_id.first(uuid.uuid4()) is None


def test_a_datetime_argument_compares_as_the_field_does(region: Region) -> None:
    cut = timezone.now() - timedelta(days=1)
    Member.objects.filter(pk=region.helper.pk).update(created_at=cut - timedelta(days=3))
    expected = list(Member.objects.filter(created_at__gt=cut).order_by("-login_id"))
    assert members_joined_after.all(cut) == expected
    assert region.helper not in members_joined_after.all(cut)
    assert region.helper in members_joined_after.all(cut - timedelta(days=10))


def test_tuples_flat_values_and_dicts(region: Region) -> None:
    space = _space(region)
    assert login_ids_of_space.all(space.pk) == list(
        Membership.objects.filter(space_id=space.pk, state=MembershipState.ACTIVE)
        .order_by("member_id")
        .values_list("member_id", "member__login_id")
    )
    assert post_ids.all(space.pk) == list(
        Post.objects.filter(space_id=space.pk).order_by("pk").values_list("pk", flat=True)
    )
    dicts = post_dicts.all(space.pk)
    assert dicts == list(
        Post.objects.filter(space_id=space.pk).order_by("pk").values("pk", "body", "created_at")
    )
    assert [d["body"] for d in dicts] == ["週明けに訪問します。", "了解しました。"]
    assert post_ids.first(space.pk) == dicts[0]["pk"]


def test_select_related_objects_come_with_the_row(region: Region) -> None:
    space = _space(region)
    got = membership_with_space.first(region.nurse.pk, space.public_id)
    assert got is not None
    with CaptureQueriesContext(connection) as queries:
        assert got.space.name == "退院前カンファレンス"
        assert got.space.lead_facility == space.lead_facility
    assert queries.captured_queries == []


def test_a_subquery_takes_its_argument_too(region: Region) -> None:
    space = _space(region)
    assert with_unread_flag.all(space.pk, region.doctor.pk) == sorted(
        [(region.nurse.pk, True), (region.pharmacist.pk, True)]
    )
    assert dict(with_unread_flag.all(space.pk, region.pharmacist.pk)) == {
        region.doctor.pk: False,
        region.nurse.pk: False,
    }


@pytest.mark.parametrize("value", [None, True, "1", 1.0])
def test_an_argument_of_another_type_is_refused_and_nothing_runs(region: Region, value) -> None:
    with CaptureQueriesContext(connection) as queries, pytest.raises(PreparedQueryError):
        membership_of.first(value, region.nurse.pk)
    assert queries.captured_queries == []


def test_a_datetime_without_a_time_zone_is_refused(region: Region) -> None:
    with pytest.raises(PreparedQueryError, match="time zone"):
        members_joined_after.all(datetime(2026, 11, 1, 9, 0))  # noqa: DTZ001


def test_prefetch_related_is_refused(region: Region) -> None:
    @prepared
    def with_members(space_id: int) -> QuerySet[Space]:
        return Space.objects.filter(pk=space_id).prefetch_related("memberships")

    with pytest.raises(PreparedQueryError, match="prefetch_related"):
        with_members.all(1)


def test_a_pattern_made_of_an_argument_is_refused() -> None:
    @prepared
    def named_like(text: str) -> QuerySet[Member]:
        return Member.objects.filter(name__contains=text)

    with pytest.raises(PreparedQueryError, match="transformed"):
        named_like.all("佐藤")


def test_an_argument_that_does_not_reach_the_parameters_is_refused(db: None) -> None:
    @prepared
    def ignoring(member_id: int) -> QuerySet[Member]:
        return Member.objects.all()

    with pytest.raises(PreparedQueryError, match="do not reach"):
        ignoring.all(1)


def test_arguments_need_a_type_it_can_follow() -> None:
    with pytest.raises(PreparedQueryError, match="must be typed"):

        @prepared
        def by_ids(ids: list) -> QuerySet[Member]:  # type: ignore[type-arg]
            return Member.objects.filter(pk__in=ids)


def test_a_lock_outside_a_transaction_is_refused_as_django_refuses_it(live_region: Region) -> None:
    space = _space(live_region)
    with transaction.atomic():
        assert locked_space.first(space.pk) == space
    if not connection.features.has_select_for_update:
        pytest.skip("SQLite takes the write lock at BEGIN IMMEDIATE, not per row")
    with pytest.raises(TransactionManagementError):
        locked_space.first(space.pk)


def test_head_is_the_first_rows_in_the_querysets_order(region: Region) -> None:
    space = _space(region)
    newest_first = list(Post.objects.filter(space_id=space.pk).order_by("-pk"))
    assert post_ids.head(1, space.pk) == [newest_first[-1].pk]
    assert post_ids.head(5, space.pk) == [p.pk for p in reversed(newest_first)]
    assert members_joined_after.head(2, timezone.now() - timedelta(days=1)) == list(
        Member.objects.filter(created_at__gt=timezone.now() - timedelta(days=1)).order_by(
            "-login_id"
        )[:2]
    )
    with pytest.raises(PreparedQueryError):
        post_ids.head(0, space.pk)


@prepared
def posts_among(ids: list[int], space_id: int) -> QuerySet[Post]:
    return Post.objects.filter(pk__in=ids, space_id=space_id).order_by("pk")


def test_a_list_of_ids_is_compiled_once_per_length(region: Region) -> None:
    space = _space(region)
    first, second = Post.objects.filter(space_id=space.pk).order_by("pk")
    assert posts_among.all([second.pk, first.pk], space.pk) == [first, second]
    assert posts_among.all([first.pk], space.pk) == [first]
    assert posts_among.all((second.pk, second.pk), space.pk) == [second]
    assert posts_among.all([second.pk, 10**9], space.pk) == [second]
    assert posts_among.all([first.pk], space.pk + 1000) == []


def test_an_empty_list_answers_as_the_queryset_does(region: Region) -> None:
    space = _space(region)

    @prepared
    def posts_but(ids: list[int], space_id: int) -> QuerySet[Post]:
        return Post.objects.filter(space_id=space_id).exclude(pk__in=ids).order_by("pk")

    assert posts_among.all([], space.pk) == []
    assert posts_but.all([], space.pk) == list(Post.objects.filter(space_id=space.pk))


@pytest.mark.parametrize("value", [[1, None], [True], "12", [1.0], {1, 2}])
def test_a_list_must_hold_ints_only(region: Region, value) -> None:
    with pytest.raises(PreparedQueryError):
        posts_among.all(value, 1)


@prepared_update
def rename_space(space_id: int, name: str) -> tuple[QuerySet[Space], dict[str, object]]:
    return Space.objects.filter(pk=space_id), {"name": name}


@prepared_update
def count_a_reply(post_id: int, at: datetime) -> tuple[QuerySet[Post], dict[str, object]]:
    return Post.objects.filter(pk=post_id), {"reply_count": F("reply_count") + 1, "edited_at": at}


def test_an_update_changes_the_rows_the_queryset_selects_and_says_how_many(region: Region) -> None:
    space = _space(region)
    other = create_group(region.nurse, name="別の部屋", member_ids=[])
    assert rename_space.run(space.pk, "退院後のフォロー") == 1
    with CaptureQueriesContext(connection) as queries:
        assert rename_space.run(space.pk, "在宅療養の相談") == 1
    assert len(queries.captured_queries) == 1
    space.refresh_from_db()
    other.refresh_from_db()
    assert space.name == "在宅療養の相談"
    assert other.name == "別の部屋"
    assert rename_space.run(10**9, "どこにもない") == 0


def test_an_update_takes_expressions_and_datetimes_as_update_does(region: Region) -> None:
    space = _space(region)
    post = Post.objects.filter(space_id=space.pk).first()
    assert post is not None
    at = timezone.now()
    count_a_reply.run(post.pk, at)
    count_a_reply.run(post.pk, at)
    post.refresh_from_db()
    assert post.reply_count == 2
    assert post.edited_at == at


def test_an_update_through_a_join_is_refused(region: Region) -> None:
    @prepared_update
    def rename_spaces_of(login_id: str) -> tuple[QuerySet[Space], dict[str, object]]:
        return Space.objects.filter(memberships__member__login_id=login_id), {"name": "x"}

    with pytest.raises(PreparedQueryError, match="one table"):
        rename_spaces_of.run("nurse")


@prepared
def replies_with_their_people(space_id: int) -> QuerySet[Post]:
    return (
        Post.objects.filter(space_id=space_id)
        .select_related("author", "parent__author", "deleted_by")
        .defer("author__password", "author__email", "body")
        .order_by("pk")
    )


def _state_of(obj: Model | None) -> object:
    """An object as Django leaves it: its attributes, its state, and its related objects."""
    if obj is None:
        return None
    attributes = {k: v for k, v in vars(obj).items() if k != "_state"}
    related = {name: _state_of(value) for name, value in obj._state.fields_cache.items()}
    return (type(obj), attributes, obj._state.adding, obj._state.db, related)


def test_objects_are_built_exactly_as_django_builds_them(region: Region) -> None:
    space = _space(region)
    first = Post.objects.filter(space=space).order_by("pk").first()
    assert first is not None
    post_message(region.nurse, space_id=space.pk, body="返信です", parent_id=first.pk)
    got = replies_with_their_people.all(space.pk)
    expected = list(
        Post.objects.filter(space_id=space.pk)
        .select_related("author", "parent__author", "deleted_by")
        .defer("author__password", "author__email", "body")
        .order_by("pk")
    )
    assert len(got) == 3
    assert [_state_of(p) for p in got] == [_state_of(p) for p in expected]
    # Deferred columns are read when asked for, as Django reads them.
    with CaptureQueriesContext(connection) as queries:
        assert got[2].body == "返信です"
        assert got[2].author is not None
        assert got[2].author.email == region.nurse.email
    assert len(queries.captured_queries) == 2
    # The related objects know where they came from, as Django's do.
    assert got[2].parent is not None
    assert got[2].parent.author == region.doctor


def test_a_model_with_its_own_from_db_or_an_init_signal_is_built_by_django(
    region: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    django_from_db = Member.from_db.__func__  # type: ignore[attr-defined]

    def from_db(cls, db, field_names, values):  # type: ignore[no-untyped-def]
        # A model that keeps the values it was read with.
        obj = django_from_db(cls, db, field_names, values)
        obj.read_with = dict(zip(field_names, values, strict=True))
        return obj

    monkeypatch.setattr(Member, "from_db", classmethod(from_db))
    _plainly_built.cache_clear()
    try:
        got = member_by_public_id.first(region.nurse.public_id)
    finally:
        monkeypatch.undo()
        _plainly_built.cache_clear()
    assert got is not None
    assert got.read_with["login_id"] == region.nurse.login_id  # type: ignore[attr-defined]

    seen: list[object] = []

    def receiver(sender: type, instance: object, **kwargs: object) -> None:
        seen.append(instance)

    space = _space(region)
    post_init.connect(receiver, sender=Membership)
    try:
        got_membership = membership_of.first(space.pk, region.nurse.pk)
    finally:
        post_init.disconnect(receiver, sender=Membership)
    assert seen == [got_membership]


def test_a_broken_transaction_runs_nothing_as_django_refuses(region: Region) -> None:
    space = _space(region)
    with transaction.atomic():
        with contextlib.suppress(IntegrityError):  # the nurse is a member already
            Membership.objects.create(space=space, member=region.nurse)
        with pytest.raises(TransactionManagementError):
            membership_of.first(space.pk, region.nurse.pk)


def test_an_execute_wrapper_sees_every_statement(region: Region) -> None:
    space = _space(region)
    seen: list[str] = []

    def watch(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        assert membership_of.first(space.pk, region.nurse.pk) is not None
        post_ids.all(space.pk)
    assert len(seen) == 2


_new_post = prepared_insert(Post)
_new_policy_value = prepared_insert(PolicyValue)
_new_audit_event = prepared_insert(AuditEvent)


def _row(model: type[Model], pk: int) -> dict[str, object]:
    return model.objects.filter(pk=pk).values().get()  # type: ignore[return-value]


def test_an_insert_writes_what_create_writes(region: Region) -> None:
    space = _space(region)
    fields = {"space": space, "author": region.nurse, "body": "訪問しました", "client_id": "c-1"}
    ours = _new_post.create(**fields)
    with CaptureQueriesContext(connection) as queries:
        again = _new_post.create(**{**fields, "client_id": "c-2", "ack_required": True})
    theirs = Post.objects.create(**{**fields, "client_id": "c-3"})
    assert len(queries.captured_queries) == 1
    assert ours.pk is not None
    assert again.pk == ours.pk + 1
    assert theirs.pk == again.pk + 1
    unlike = {"id", "public_id", "created_at", "client_id", "ack_required"}
    for made in (ours, again):
        assert made._state.adding is False
        assert made._state.db == "default"
        row = _row(Post, made.pk)
        assert {k: v for k, v in row.items() if k not in unlike} == {
            k: v for k, v in _row(Post, theirs.pk).items() if k not in unlike
        }
        assert row["public_id"] == made.public_id
        assert row["created_at"] == made.created_at
        assert set(vars(made)) == set(vars(theirs))
    assert _row(Post, again.pk)["ack_required"] is True


def test_a_model_whose_key_is_not_automatic_is_saved_by_django(db: None) -> None:
    before = timezone.now()
    value = _new_policy_value.create(key="prepared.check", value={"n": 1})
    again = _new_policy_value.create(key="prepared.check2", value=[1, 2])
    for made in (value, again):
        assert made._state.adding is False
        assert made.updated_at >= before  # auto_now, set by the field's pre_save
        assert _row(PolicyValue, made.pk)["updated_at"] == made.updated_at
    assert _row(PolicyValue, again.pk)["value"] == [1, 2]


def test_a_model_with_its_own_save_or_save_receivers_is_saved_by_django(region: Region) -> None:
    space = _space(region)
    kept = AuditEvent.objects.order_by("-pk").first()
    assert kept is not None
    with pytest.raises(AppendOnlyError):
        _new_audit_event.save(kept)  # its own save() refuses: events are append-only
    seen: list[object] = []

    def receiver(sender: type, instance: object, **kwargs: object) -> None:
        seen.append(instance)

    post_save.connect(receiver, sender=Post)
    try:
        made = _new_post.create(space=space, author=region.nurse, body="届きました")
    finally:
        post_save.disconnect(receiver, sender=Post)
    assert seen == [made]


def test_an_unsaved_related_object_is_refused_as_save_refuses_it(region: Region) -> None:
    space = _space(region)
    stranger = Member(login_id="not.saved", name="未登録")
    with pytest.raises(ValueError, match="unsaved related object"):
        _new_post.create(space=space, author=stranger, body="x")


def test_a_refused_insert_breaks_the_transaction_as_create_does(region: Region) -> None:
    space = _space(region)
    _new_post.create(space=space, author=region.nurse, body="一度目", client_id="same")
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            _new_post.create(space=space, author=region.nurse, body="二度目", client_id="same")
        with pytest.raises(TransactionManagementError):
            Post.objects.count()


def test_a_posts_insert_is_prepared(region: Region) -> None:
    space = _space(region)
    insert = prepared_insert(Post)
    insert.create(space=space, author=region.nurse, body="一度目")
    assert [plan.usable for plan in insert._plans.values()] == [True]
