"""Which rows belong to a space: every model that reaches the space through foreign keys.

Complete deletion (R3.5) erases by this rule rather than by a list of models, so an app added
later (consents, reports, anything with a foreign key to a space or to a row of one) is erased
too without anyone having to remember it. The few models that must outlive the content are
named in ``KEPT``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.db.models import Q

# The space row itself (it stays, emptied, in state "deleted"), its key row (kept, destroyed,
# so the key can never be made again for the same space) and the erasure's own records.
KEPT = frozenset(
    {"spaces.space", "spaces.spacekey", "erasure.deletionrequest", "erasure.tombstone"}
)
# Paths longer than this are not followed (a guard against cycles; real paths are 1-3 long).
MAX_DEPTH = 5


@dataclass
class Holding:
    """A model holding rows of a space, the lookups from it to the space, and its depth (the
    longest path), so that the deepest rows are erased first."""

    model: type[models.Model]
    lookups: list[str] = field(default_factory=list)
    depth: int = 0

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    def rows(self, space: models.Model) -> models.QuerySet[models.Model]:
        condition = Q()
        for lookup in self.lookups:
            condition |= Q(**{lookup: space})
        return self.model._base_manager.filter(condition)


def _foreign_keys(model: type[models.Model]) -> Iterable[models.Field[object, object]]:
    for f in model._meta.get_fields():
        if f.concrete and f.is_relation and (f.many_to_one or f.one_to_one):
            yield f


def space_holdings(candidates: Iterable[type[models.Model]] | None = None) -> list[Holding]:
    """Every model whose rows hang on a space, directly or through other such rows, deepest
    first. ``candidates`` defaults to every installed model (M2M tables included)."""
    space_model = apps.get_model("spaces", "Space")
    pool = [
        m
        for m in (
            candidates if candidates is not None else apps.get_models(include_auto_created=True)
        )
        if m._meta.label_lower not in KEPT and not m._meta.proxy
    ]
    reached: dict[type[models.Model], Holding] = {}
    grew = True
    while grew:
        grew = False
        for model in pool:
            for fk in _foreign_keys(model):
                target = fk.related_model
                if target is model:
                    continue  # a reply goes with its space like any post
                if target is space_model:
                    paths, depth = [fk.name], 1
                elif target in reached:
                    paths = [f"{fk.name}__{p}" for p in reached[target].lookups]
                    depth = reached[target].depth + 1
                else:
                    continue
                paths = [p for p in paths if p.count("__") < MAX_DEPTH]
                holding = reached.setdefault(model, Holding(model))
                new = [p for p in paths if p not in holding.lookups]
                if new:
                    holding.lookups.extend(new)
                    holding.depth = max(holding.depth, depth)
                    grew = True
    return sorted(reached.values(), key=lambda h: (-h.depth, h.label))
