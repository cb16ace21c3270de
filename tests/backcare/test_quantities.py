"""Durations and ages read from a message's tokens, with the shared number and unit words."""

from typing import List

import pytest

from backcare.quantities import ages, durations


def _lemmas(lowers: List[str]) -> List[str]:
    return [w[:-1] if w.endswith("s") and len(w) > 3 else w for w in lowers]


@pytest.mark.parametrize(
    ("text", "weeks"),
    [
        ("for 6 weeks", [6]),
        ("a couple of months", [2 * 4.35]),
        ("for a few weeks", [3]),
        ("two years now", [104]),
        ("a fortnight", [2]),
        ("3days", [3 / 7]),
        ("for weeks", [4]),
        ("for yrs", [104]),  # a bare plural abbreviation counts like its unit ("years": 2 of them)
        ("my 5 year old", []),
    ],
)
def test_durations(text: str, weeks: List[float]) -> None:
    lowers = text.split()
    assert [w for _, w in durations(lowers, _lemmas(lowers))] == pytest.approx(weeks)


@pytest.mark.parametrize(
    ("text", "found"),
    [("i'm 17", [17]), ("i'm twenty five", [25]), ("62 years old", [62]), ("in my 60s", [65]), ("70 kg", [])],
)
def test_ages(text: str, found: List[float]) -> None:
    lowers = text.split()
    assert ages(lowers, _lemmas(lowers)) == found
