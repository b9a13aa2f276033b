"""The trigram index: used for three or more characters, kept in step by the database, and
restored when a migration rebuilds a table (SQLite drops a table's triggers with it)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from renkei.search import index
from renkei.search.queries import search_posts
from tests.search.helpers import post
from tests.spaces.helpers import group

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 index")


def _search_sql(viewer, query) -> str:
    with CaptureQueriesContext(connection) as queries:
        search_posts(viewer, query)
    return " ".join(q["sql"] for q in queries.captured_queries)


@sqlite_only
def test_three_characters_use_the_index_fewer_scan_the_readers_spaces(region):
    space = group(region, region.nurse, region.doctor)
    post(region.nurse, space, "訪問看護の記録")
    assert "search_post_fts" in _search_sql(region.doctor, "訪問看")
    short = _search_sql(region.doctor, "看護")
    assert "search_post_fts" not in short
    assert "LIKE" in short
    assert "spaces_membership" in short


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pg_trgm index")
def test_postgres_has_the_trigram_indexes(region):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname IN (%s, %s)",
            ["search_post_body_trgm", "search_attachment_name_trgm"],
        )
        assert len(cursor.fetchall()) == 2
    assert "ILIKE" in _search_sql(region.doctor, "訪問看")


@sqlite_only
def test_lost_triggers_are_restored_and_the_index_rebuilt(region):
    space = group(region, region.nurse, region.doctor)
    with connection.cursor() as cursor:
        for fts, content, column in index.SQLITE_TABLES:
            for name in index._sqlite_triggers(fts, content, column):
                cursor.execute(f"DROP TRIGGER {name}")
    made = post(region.nurse, space, "褥瘡の処置について")  # not indexed: no trigger
    assert search_posts(region.doctor, "褥瘡の処置").hits == []
    rebuilt = index.ensure_sqlite_triggers(connection)
    assert rebuilt == ["search_post_fts", "search_attachment_fts"]
    assert [h.post for h in search_posts(region.doctor, "褥瘡の処置").hits] == [made]
    assert index.ensure_sqlite_triggers(connection) == []  # nothing missing: nothing done
