"""The trigram index: FTS5 on SQLite, pg_trgm GIN indexes on PostgreSQL; each engine's part
runs only on that engine."""

from django.db import migrations

from renkei.search import index


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        index.create_sqlite_index(connection)
    elif connection.vendor == "postgresql":
        index.create_postgres_index(connection)


def drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        index.drop_sqlite_index(connection)
    elif connection.vendor == "postgresql":
        index.drop_postgres_index(connection)


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0001_posts"),
        ("attachments", "0001_attachments"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
