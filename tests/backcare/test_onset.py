from datetime import datetime
from typing import Optional

import pytest

from backcare.onset import describe, hours_since

WEDNESDAY = datetime(2026, 11, 25, 12, 0)


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("yesterday", 24),
        ("hurt it yday", 24),
        ("since yest", 24),
        ("day before yday", 40),
        ("2 hours ago", 2),
        ("5 days ago", 120),
        ("this morning", 6),
        ("three days ago", 72),
        ("a couple of days ago", 48),
        ("an hour ago", 1),
        ("a few hours ago", 3),
        ("last week", 168),
        ("for a week", 168),
        ("2 days", 48),
        ("10 min ago", 1 / 6),
        ("the day before yesterday", 40),
        ("since Monday", 48),
        ("on wednesday", 168),
        # On a Wednesday, "last Tuesday" is the week before ("yesterday" would be said otherwise).
        ("last tuesday", 192),
        ("on tuesday", 24),
        ("It started 3 DAYS AGO!", 72),
        ("over a week", 168),
        ("all week", 96),
        ("the weekend before last", 216),
        ("dunno", None),
        ("", None),
        (None, None),
    ],
)
def test_hours_since(text: Optional[str], hours: Optional[float]) -> None:
    assert hours_since(text, now=WEDNESDAY) == (None if hours is None else pytest.approx(hours))


@pytest.mark.parametrize(
    ("hours", "words"),
    [(0.2, "less than an hour"), (1, "1 hour"), (6, "6 hours"), (24, "a day"), (48, "2 days"), (120, "5 days"),
     (400, "2 weeks")],
)
def test_describe(hours: float, words: str) -> None:
    assert describe(hours) == words


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        # Every number word of the shared table, not one to twelve only ("twenty days" was read as one day).
        ("twenty days ago", 480),
        ("fifteen minutes ago", 0.25),
        ("thirteen hours ago", 13),
        # A month is the same 4.35 weeks durations count with.
        ("a month ago", 4.35 * 168),
        # Years are ages or history far more often than an onset: the days are read.
        ("i'm 45 years old and it started 3 days ago", 72),
        # UK English: a fortnight is two weeks, well past the first 48 hours.
        ("about a fortnight", 336),
        ("a couple of fortnights ago", 672),
    ],
)
def test_hours_since_reads_the_shared_number_and_unit_words(text: str, hours: float) -> None:
    assert hours_since(text, now=WEDNESDAY) == pytest.approx(hours)
