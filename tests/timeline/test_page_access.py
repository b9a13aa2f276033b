"""A timeline page given the viewer's access checked earlier in the request
(``timeline_page(..., access=...)``) checks that membership again instead of reading it again,
and trusts no access of another member or another space."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from renkei.errors import NotFound
from renkei.spaces.models import Space, SpaceState
from renkei.spaces.queries import access_space
from renkei.timeline.queries import timeline_page
from tests.api.spaces_cast import group, post


def _ids(page) -> list[int]:  # type: ignore[no-untyped-def]
    return [view.post.pk for view in page.posts]


@pytest.mark.rule("R2.4")
def test_the_access_of_the_request_saves_a_read_and_gives_the_same_page(region):
    space = group(region.doctor, region.nurse)
    for i in range(3):
        post(region.doctor, space, f"訪問予定 {i}")
    access = access_space(region.nurse, space.public_id)
    with CaptureQueriesContext(connection) as alone:
        read_again = timeline_page(region.nurse, space)
    with CaptureQueriesContext(connection) as given:
        with_access = timeline_page(region.nurse, space, access=access)
    assert len(given.captured_queries) == len(alone.captured_queries) - 1
    assert _ids(with_access) == _ids(read_again)
    assert len(with_access.posts) == 3


@pytest.mark.rule("R2.4")
def test_an_access_of_another_member_or_space_is_not_trusted(region):
    space = group(region.doctor, region.nurse)
    other = group(region.doctor, name="医師だけの会")
    doctors = access_space(region.doctor, other.public_id)
    # The helper is in neither space's membership through the doctor's access.
    with pytest.raises(NotFound):
        timeline_page(region.helper, other, access=doctors)
    # The nurse's own membership of the first space is read, not the doctor's of another.
    nurses = access_space(region.nurse, space.public_id)
    with pytest.raises(NotFound):
        timeline_page(region.nurse, other, access=nurses)


@pytest.mark.rule("R2.4")
def test_a_given_access_is_still_checked_against_the_space(region):
    space = group(region.doctor, region.nurse)
    access = access_space(region.nurse, space.public_id)
    Space.objects.filter(pk=space.pk).update(state=SpaceState.DELETED)
    space.state = SpaceState.DELETED
    with pytest.raises(NotFound):
        timeline_page(region.nurse, space, access=access)
