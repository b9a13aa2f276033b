"""R2.6: the guard measured on its labelled set (renkei/guard/data): the figures reported in
docs/benchmarks.md, reached with the patients created as real patient groups."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from renkei.guard.evaluation import evaluate, fixture, fixture_index, labelled_set
from renkei.guard.queries import region_index

# As reported in docs/benchmarks.md ("Personal-information guard"); the guard must not fall
# below them.
REPORTED_PRECISION = 0.969
REPORTED_RECALL = 0.969


def test_the_set_is_large_and_about_half_with_personal_information():
    sentences = labelled_set()
    positives = sum(s.has_personal_information for s in sentences)
    assert len(sentences) >= 200
    assert 0.45 <= positives / len(sentences) <= 0.55
    assert len({s.text for s in sentences}) == len(sentences)
    kinds = {k for s in sentences for k in s.kinds}
    assert kinds == {"name", "birth_date", "address", "phone", "insurance_number"}


@pytest.mark.rule("R2.6")
def test_precision_and_recall_with_the_patients_as_patient_groups(labelled_patients):
    result = evaluate(region_index())
    assert result.precision >= REPORTED_PRECISION, [s.text for s, _ in result.wrongly_flagged]
    assert result.recall >= REPORTED_RECALL, [s.text for s in result.missed]


@pytest.mark.rule("R2.6")
def test_the_region_finds_what_the_fixture_index_finds(labelled_patients):
    """The report command indexes the fixture in memory; the database gives the same."""
    from_db, in_memory = evaluate(region_index()), evaluate(fixture_index())
    assert (from_db.true_positives, from_db.false_positives) == (
        in_memory.true_positives,
        in_memory.false_positives,
    )
    assert len(labelled_patients) == len(fixture().patients)


def test_without_the_patients_names_are_not_found(region):
    """The names are those of the region's patients, not a list of common names."""
    names_only = tuple(s for s in labelled_set() if s.kinds == {"name"})
    result = evaluate(region_index(), names_only)
    assert result.true_positives == 0


def test_guard_report_prints_the_figures(db):
    out = StringIO()
    call_command("guard_report", "--verbose-errors", stdout=out)
    text = out.getvalue()
    result = evaluate(fixture_index())
    assert f"labelled set: {result.size} sentences" in text
    assert f"precision {result.precision:.3f}  recall {result.recall:.3f}" in text
    for sentence in result.missed:
        assert f"missed: {sentence.text}" in text
