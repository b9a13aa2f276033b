"""Through the API too, the space list and a timeline page cost the same number of queries
whatever the number of spaces, posts, members or attachments (issue 3, "Scale from the
start")."""

from __future__ import annotations

from renkei.spaces.models import SpaceKind
from tests.timeline.test_query_counts import build_space, queries_of

KINDS = [SpaceKind.PATIENT_GROUP, SpaceKind.GROUP, SpaceKind.CONNECTION]


def test_the_space_list_and_a_timeline_page_cost_the_same_small_or_large(region, client_for):
    small_viewer, large_viewer = region.nurse, region.pharmacist
    small = [
        build_space(small_viewer, kind=k, posts=3, members=3, attachments_per_post=1) for k in KINDS
    ]
    large = [
        build_space(large_viewer, kind=k, posts=60, members=30, attachments_per_post=3)
        for k in KINDS
        for _ in range(3)
    ]
    clients = {small_viewer.pk: client_for(small_viewer), large_viewer.pk: client_for(large_viewer)}

    def cost(viewer, path, params=None):  # type: ignore[no-untyped-def]
        client = clients[viewer.pk]
        client.get(path, params)  # warm: the session and the policy are read once
        response = None

        def call() -> None:
            nonlocal response
            response = client.get(path, params)

        count = queries_of(call)
        assert response is not None
        assert response.status_code == 200
        return count, response.json()

    for kind in (None, *KINDS):
        params = {"kind": kind} if kind else None
        n_small, _ = cost(small_viewer, "/api/v1/spaces", params)
        n_large, rows = cost(large_viewer, "/api/v1/spaces", params)
        assert n_small == n_large, kind
        assert len(rows) == (9 if kind is None else 3)

    for little, big in zip(small, large, strict=False):
        little_path = f"/api/v1/spaces/{little.space.public_id}/posts"
        big_path = f"/api/v1/spaces/{big.space.public_id}/posts"
        n_small, little_page = cost(small_viewer, little_path)
        n_large, big_page = cost(large_viewer, big_path)
        assert n_small == n_large
        assert len(big_page["posts"]) == 50
        # Catching up after the oldest post shown costs the same too.
        n_small, _ = cost(small_viewer, little_path, {"after": little_page["posts"][-1]["id"]})
        n_large, caught_up = cost(large_viewer, big_path, {"after": big_page["posts"][-1]["id"]})
        assert n_small == n_large
        assert len(caught_up["posts"]) == 50
