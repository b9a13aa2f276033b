"""Print the personal-information guard's precision and recall on its labelled set."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from renkei.guard.evaluation import evaluate, fixture_index


class Command(BaseCommand):
    help = "Precision and recall of the personal-information guard (R2.6) on its labelled set."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--verbose-errors", action="store_true", help="List the sentences it got wrong."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = evaluate(fixture_index())
        negatives = result.size - result.positives
        out = self.stdout
        out.write(
            f"labelled set: {result.size} sentences "
            f"({result.positives} with personal information, {negatives} without)"
        )
        out.write(
            f"precision {result.precision:.3f}  recall {result.recall:.3f}  "
            f"(true positives {result.true_positives}, false positives "
            f"{result.false_positives}, missed {result.false_negatives})"
        )
        for kind, (n, hit) in result.by_kind.items():
            out.write(f"  {kind:<17} {hit}/{n} sentences flagged")
        if options["verbose_errors"]:
            for sentence in result.missed:
                out.write(f"missed: {sentence.text}")
            for sentence, found in result.wrongly_flagged:
                shown = ", ".join(f"{m.kind}「{m.text}」" for m in found)
                out.write(f"wrongly flagged: {sentence.text}  ← {shown}")
