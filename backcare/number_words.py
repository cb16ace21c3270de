"""The words people count and date with: numbers, vague counts, time units, weekdays.

One table for the three readers of time: :mod:`backcare.onset` (when the pain started, in
hours), :mod:`backcare.time_patterns` (the entity-ruler patterns that find those phrases) and
:mod:`backcare.quantities` (how long something has lasted, in weeks). Each reads the part it
needs: onset phrases never count years ("I'm 45 years old" is no onset), durations do.
"""

from typing import Dict, List, Tuple

# Not dateparser: it needs regex>=2024 and a newer pytz than Rasa 3.6.21 pins (regex 2022.10.31,
# pytz 2022.7.1), and it reads a phrase as one instant ("the day before yesterday" = 48 h ago)
# where onset.py counts vague phrases on the cautious side of the 48-hour rule (40 h).

NUMBER_WORDS: Dict[str, float] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
ARTICLES: Dict[str, float] = {"a": 1, "an": 1}
# Vague counts every reader takes: "a couple of days ago", "for a few weeks".
FUZZY_COUNTS: Dict[str, float] = {"few": 3, "couple": 2, "several": 4}
# Looser still, read only before a duration's unit ("many weeks", "half a year").
LOOSE_COUNTS: Dict[str, float] = {"many": 6, "some": 3, "half": 0.5}

WEEKDAYS: List[str] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

# Every singular spelling of a unit -> the unit (a plural is the spelling plus "s").
UNIT_OF: Dict[str, str] = {
    "minute": "minute", "min": "minute", "hour": "hour", "hr": "hour", "day": "day", "week": "week",
    "wk": "week", "fortnight": "fortnight", "month": "month", "mth": "month", "year": "year", "yr": "year",
}
# A month is 4.35 weeks (a calendar average) and a year 52 weeks.
HOURS_IN: Dict[str, float] = {
    "minute": 1 / 60, "hour": 1, "day": 24, "week": 168, "fortnight": 336, "month": 4.35 * 168, "year": 52 * 168,
}
# When the pain started is said in these; no years, which in a message are ages ("45 years old")
# or the history of a condition far more often than an onset. A fortnight is never an age, and
# in the UK "for about a fortnight" is an everyday onset.
ONSET_UNITS: Tuple[str, ...] = ("minute", "min", "hour", "hr", "day", "week", "wk", "fortnight", "month")
# How long something has lasted is counted in days and up.
DURATION_UNITS: Tuple[str, ...] = ("day", "week", "wk", "fortnight", "month", "mth", "year", "yr")


def with_plurals(spellings: Tuple[str, ...]) -> List[str]:
    """Each spelling followed by its plural: ["hour", "hours", "hr", "hrs", ...]."""
    return [form for spelling in spellings for form in (spelling, spelling + "s")]
