"""Turn what people say about when the pain started ("yesterday", "3 days ago") into hours.

Vague answers lean to the cautious side of the 48-hour heat rule: "the day before yesterday"
counts as inside the first 48 hours.
"""

import re
from datetime import datetime
from typing import Optional

from backcare.number_words import ARTICLES, FUZZY_COUNTS, HOURS_IN, NUMBER_WORDS, ONSET_UNITS, UNIT_OF, WEEKDAYS

HOURS_PER = {spelling: HOURS_IN[UNIT_OF[spelling]] for spelling in ONSET_UNITS}
WORD_NUMBERS = {**ARTICLES, **NUMBER_WORDS, **FUZZY_COUNTS}
FIXED = {
    "just now": 0.5, "right now": 0.5, "tonight": 1, "this evening": 3, "this afternoon": 4,
    "this morning": 6, "earlier today": 6, "today": 6, "last night": 12, "yesterday": 24,
    # Chat shorthand for yesterday.
    "yday": 24, "yest": 24, "yesterdy": 24, "day before yday": 40,
    # Anywhere from 36 to 60 hours; counted inside the 48-hour window to stay on the safe side.
    "day before yesterday": 40, "the other day": 72, "over the weekend": 72, "last weekend": 120,
    "this week": 72, "last week": 168, "last month": 720, "a while ago": 336, "a while back": 336,
    "ages ago": 720, "all week": 96, "since the weekend": 72, "the weekend before last": 216,
}
# The onset slot's value after "not sure": asked, and not known.
UNKNOWN = "unknown"
_UNIT = "|".join(sorted(HOURS_PER, key=len, reverse=True))
_NUMBER = "|".join(sorted(WORD_NUMBERS, key=len, reverse=True))
_COUNT = re.compile(
    rf"(?P<count>\d+(?:\.\d+)?|{_NUMBER})?\s*(?:of\s+)?(?P<unit>{_UNIT})s?\b"
)


def hours_since(text: Optional[str], now: Optional[datetime] = None) -> Optional[float]:
    """Hours since the onset described by ``text``, or None when it cannot be read."""
    if not text:
        return None
    phrase = " ".join(re.sub(r"[^\w.\s]", " ", text.lower()).split())
    for fixed, hours in sorted(FIXED.items(), key=lambda kv: len(kv[0]), reverse=True):
        if re.search(rf"\b{fixed}\b", phrase):
            return float(hours)
    for index, day in enumerate(WEEKDAYS):
        if re.search(rf"\b{day}\b", phrase):
            today = (now or datetime.now()).weekday()
            days_back = (today - index) % 7 or 7
            # "Last Tuesday" said on a Wednesday is the week before: yesterday would be "yesterday".
            if days_back == 1 and re.search(rf"\blast {day}\b", phrase):
                days_back += 7
            return days_back * 24.0
    match = _COUNT.search(phrase)
    if not match:
        return None
    count = match.group("count") or "1"
    value = float(count) if count[0].isdigit() else float(WORD_NUMBERS[count])
    return value * HOURS_PER[match.group("unit")]


def describe(hours: float) -> str:
    """A short human phrase for a number of hours: "2 hours", "a day", "5 days"."""
    if hours < 1:
        return "less than an hour"
    if hours < 36:
        rounded = round(hours)
        return "a day" if rounded == 24 else f"{rounded} hour{'s' if rounded != 1 else ''}"
    days = round(hours / 24)
    if days < 14:
        return f"{days} days"
    weeks = round(days / 7)
    return f"{weeks} weeks"
