"""The guard's index version and the triggers that move it on (renkei.guard.triggers)."""

from django.db import migrations, models


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    from renkei.guard.triggers import install

    install(schema_editor.connection)  # also writes the row


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    from renkei.guard.triggers import remove

    remove(schema_editor.connection)


class Migration(migrations.Migration):
    initial = True

    # The tables the triggers watch, as they are now.
    dependencies = [
        ("accounts", "0004_alter_usersession_end_reason"),
        ("facilities", "0001_facilities"),
        ("spaces", "0002_pending_approval_and_archive"),
    ]

    operations = [
        migrations.CreateModel(
            name="IndexVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("value", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(install, remove),
    ]
