from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    name = "renkei.search"
    label = "search"

    def ready(self) -> None:
        from renkei.search.index import restore_after_migrate

        # On SQLite a later migration that rebuilds the posts table drops the triggers that
        # keep the index in step; they come back (and the index is rebuilt) after every migrate.
        post_migrate.connect(restore_after_migrate, sender=self)
