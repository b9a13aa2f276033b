"""Measuring the guard on its labelled set: precision and recall, per sentence and per kind.

The set (``data/labelled_set.tsv``) holds realistic sentences with and without patients'
personal information; ``data/patients.json`` names the invented patients, members and
facilities they speak of. The evaluation creates those patients as patient groups (see
tests/guard/) or, for ``manage.py guard_report``, indexes them in memory; both give the same
figures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from renkei.guard.detector import KINDS, Match, Patient, PatientIndex, build_index, detect

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Sentence:
    text: str
    kinds: frozenset[str]

    @property
    def has_personal_information(self) -> bool:
        return bool(self.kinds)


@dataclass(frozen=True)
class Fixture:
    """The people and places the labelled set speaks of."""

    evaluated_on: date
    patients: list[dict[str, str]]
    members: list[tuple[str, str]]
    facilities: list[tuple[str, str, str]]


@dataclass
class Result:
    size: int
    positives: int
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    # Sentences of each kind, and how many of them the guard flagged.
    by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)
    missed: list[Sentence] = field(default_factory=list)
    wrongly_flagged: list[tuple[Sentence, list[Match]]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.positives if self.positives else 1.0


@cache
def labelled_set() -> tuple[Sentence, ...]:
    sentences = []
    for line in (DATA / "labelled_set.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, text = line.split("\t", 1)
        kinds = frozenset() if label == "-" else frozenset(label.split(","))
        unknown = kinds - set(KINDS)
        if unknown:
            raise ValueError(f"unknown kind {sorted(unknown)} in the labelled set")
        sentences.append(Sentence(text=text, kinds=kinds))
    return tuple(sentences)


@cache
def fixture() -> Fixture:
    raw = json.loads((DATA / "patients.json").read_text(encoding="utf-8"))
    return Fixture(
        evaluated_on=date.fromisoformat(raw["evaluated_on"]),
        patients=raw["patients"],
        members=[(m[0], m[1]) for m in raw["members"]],
        facilities=[(f[0], f[1], f[2]) for f in raw["facilities"]],
    )


def fixture_index() -> PatientIndex:
    """The fixture's patients indexed in memory, as if they were the region's patient groups."""
    fx = fixture()
    patients = [
        Patient(
            space_id=i,
            name=p["name"],
            furigana=p["furigana"],
            birth_date=date.fromisoformat(p["birth_date"]),
            address=p["address"],
            phone=p["phone"],
        )
        for i, p in enumerate(fx.patients, start=1)
    ]
    return build_index(patients, member_names=fx.members, facilities=fx.facilities)


def evaluate(index: PatientIndex, sentences: tuple[Sentence, ...] | None = None) -> Result:
    """Run the detector over the labelled set: a sentence counts as flagged when anything in
    it was found."""
    sentences = sentences if sentences is not None else labelled_set()
    today = fixture().evaluated_on
    result = Result(
        size=len(sentences), positives=sum(s.has_personal_information for s in sentences)
    )
    counts = {kind: [0, 0] for kind in KINDS}
    for sentence in sentences:
        found = detect(sentence.text, index, today=today)
        for kind in sentence.kinds:
            counts[kind][0] += 1
            counts[kind][1] += bool(found)
        if sentence.has_personal_information and found:
            result.true_positives += 1
        elif sentence.has_personal_information:
            result.false_negatives += 1
            result.missed.append(sentence)
        elif found:
            result.false_positives += 1
            result.wrongly_flagged.append((sentence, found))
    result.by_kind = {kind: (n, hit) for kind, (n, hit) in counts.items()}
    return result
