"""The database refuses changes to audit rows (renkei.audit.guard)."""

from django.db import migrations


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    from renkei.audit.guard import install

    install(schema_editor.connection)


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    from renkei.audit.guard import remove

    remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0008_session_and_reauth_events")]

    operations = [migrations.RunPython(install, remove)]
