"""Durations and ages stated in a message: "for 6 weeks", "a couple of months", "I'm 17".

Pure functions over a message's lowercase tokens and lemmas (as :mod:`nlu.triage` reads them),
used for the signs that depend on how long something has lasted or on the person's age.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple

from backcare.number_words import (
    ARTICLES,
    DURATION_UNITS,
    FUZZY_COUNTS,
    HOURS_IN,
    LOOSE_COUNTS,
    NUMBER_WORDS,
    UNIT_OF,
)

# Counts that only make sense before a unit ("a few weeks", "a couple of months").
VAGUE_COUNTS: Dict[str, float] = {**ARTICLES, **FUZZY_COUNTS, **LOOSE_COUNTS}
UNIT_WEEKS: Dict[str, float] = {spelling: HOURS_IN[UNIT_OF[spelling]] / HOURS_IN["week"] for spelling in DURATION_UNITS}
# A bare plural ("for weeks", "months now") counts as this many of the unit.
BARE_PLURAL: Dict[str, float] = {"day": 3, "week": 4, "fortnight": 2, "month": 2, "year": 2}
COUNT_FILLERS = frozenset({"of", "-", "more", "or", "so", "than", "over", "nearly", "almost", "about",
                           "around", "like", "+", "full", "whole", "good", "solid", "past", "last", "and"})
COMPACT_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(days?|wks?|weeks?|months?|mths?|yrs?|years?)$")
COMPACT_AGE = re.compile(r"^(?:(\d{1,3})(?:yo|y/o|yrs?old|yearsold|[mf])|[mf](\d{2}))$")
DECADE = re.compile(r"^(\d)0'?s$")
DECADE_WORDS = {"teens": 10, "twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60,
                "seventies": 70, "eighties": 80, "nineties": 90}
AGE_NOUNS = frozenset({"i", "im", "he", "she", "son", "daughter", "mum", "mom", "dad", "father", "mother",
                       "kid", "child", "grandma", "grandad", "grandpa", "granny", "nan", "nana", "wife",
                       "husband", "partner", "brother", "sister", "boy", "girl", "teenager", "friend"})
AGE_MODIFIERS: Dict[str, float] = {"over": 1, "nearly": 0, "almost": 0, "about": 0, "just": 0, "only": 0,
                                   "turning": 0, "turned": 0, "under": -1, "barely": 0, "now": 0}
NOT_AGE_UNITS = frozenset({"kg", "kgs", "kilos", "lb", "lbs", "pounds", "stone", "st", "foot", "feet", "ft",
                           "cm", "inches", "in", "%", "percent", "times", "minutes", "mins", "hours", "hrs",
                           "days", "weeks", "months", "am", "pm", "o'clock", ":", "degrees", "°", "miles",
                           "km", "steps", "reps", "sets", "x", "/", "out", "cups", "hour", "week", "day",
                           "month", "minute", "mg", "ml", "weeks'", "kids", "children"})



def _number(text: str) -> Optional[float]:
    """A number written in digits or words ("6", "6.5", "six"), or None."""
    cleaned = text.strip("~+")
    try:
        return float(cleaned)
    except ValueError:
        return NUMBER_WORDS.get(cleaned)


def _unit(lower: str) -> Optional[Tuple[str, bool]]:
    """('week', plural?) for 'weeks', 'wks', 'week'; None for other words."""
    for base in UNIT_WEEKS:
        if lower == base:
            return base, False
        if lower == base + "s":
            return base, True
    return None


def durations(lowers: Sequence[str], lemmas: Sequence[str]) -> List[Tuple[int, float]]:
    """(token index, length in weeks) for every duration stated: '6 weeks', 'a few months'."""
    found: List[Tuple[int, float]] = []
    for i, lower in enumerate(lowers):
        compact = COMPACT_DURATION.match(lower)
        if compact:
            unit = _unit(compact.group(2))
            if unit:
                found.append((i, float(compact.group(1)) * UNIT_WEEKS[unit[0]]))
            continue
        unit = _unit(lower) or _unit(lemmas[i])
        if unit is None:
            continue
        base, plural = unit
        if i + 1 < len(lowers) and lowers[i + 1] in ("old", "-old"):
            continue
        count: Optional[float] = None
        for j in range(i - 1, max(-1, i - 5), -1):
            value = _number(lowers[j])
            if value is None:
                value = VAGUE_COUNTS.get(lowers[j])
            if value is not None:
                count = value
                break
            if lowers[j] not in COUNT_FILLERS:
                break
        if count is None and plural:
            count = BARE_PLURAL[UNIT_OF[base]]
        if count is not None:
            found.append((i, count * UNIT_WEEKS[base]))
    return found


def ages(lowers: Sequence[str], lemmas: Sequence[str]) -> List[float]:
    """Ages the message states: "I'm 17", "62 years old", "my 15 yo son", "in my 60s"."""
    lowers = [w.replace("’", "'") for w in lowers]
    found: List[float] = []
    for i, lower in enumerate(lowers):
        prev = lowers[i - 1] if i >= 1 else ""
        compact = COMPACT_AGE.match(lower)
        if compact:
            found.append(float(compact.group(1) or compact.group(2)))
            continue
        if lower in ("teen", "teenager", "teenage", "adolescent"):
            found.append(16)
            continue
        decade = DECADE.match(lower)
        decade_value = float(decade.group(1)) * 10 if decade else DECADE_WORDS.get(lower)
        if decade_value is not None and prev in ("my", "his", "her", "their", "your"):
            found.append(decade_value + 5)
            continue
        value = _number(lower)
        if value is None or not 1 <= value <= 120:
            continue
        if i + 1 < len(lowers) and lowers[i + 1] in NUMBER_WORDS and value >= 20 and value % 10 == 0:
            value += NUMBER_WORDS[lowers[i + 1]]
        after = lowers[i + 1:i + 4]
        if after and after[0] in ("year", "years", "yr", "yrs") and "old" in after:
            found.append(value)
            continue
        if after and (after[0] in ("yo", "y/o", "y.o", "y.o.") or after[:3] == ["y", "/", "o"]):
            found.append(value)
            continue
        if after and after[0] in NOT_AGE_UNITS:
            continue
        shift = 0.0
        k = i - 1
        if k >= 0 and lowers[k] in AGE_MODIFIERS:
            shift = AGE_MODIFIERS[lowers[k]]
            k -= 1
        if k >= 0 and lowers[k] in ("aged", "age", "age:"):
            found.append(value + shift)
        elif k >= 1 and lowers[k] == ":" and lowers[k - 1] == "age":
            found.append(value + shift)
        elif k >= 1 and lemmas[k] == "be" and lowers[k - 1] in AGE_NOUNS:
            found.append(value + shift)
        elif k >= 0 and lowers[k] in ("im", "i'm"):
            found.append(value + shift)
    return found
