"""Pain scores from check-in replies ("about a 6", "6/10", "six"), and what a run of them shows.

Pure functions: :mod:`nlu.short_replies` uses :func:`read_score` to tell a score reply from other
messages, and the pain check-in actions use it again with :func:`assess` to answer it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, Dict, List, Optional, Sequence

from backcare.quantities import NUMBER_WORDS

LOWEST, HIGHEST = 0, 10
# A change of 2 points on a 0-10 scale is about the smallest a person notices as real (the
# usual "minimal clinically important difference"), so 1 point up or down counts as the same.
MEANINGFUL_CHANGE = 2
# NICE: see a doctor or physiotherapist when it is not improving after about 4 to 6 weeks; we
# speak up at the start of that window.
NO_IMPROVEMENT_WEEKS = 4.0
# At or below this the pain has all but gone, whatever it started at.
SETTLED = 1

_NUMBER = rf"(?:\d+(?:[.,]5)?|{'|'.join(sorted({*NUMBER_WORDS, 'zero', 'nought', 'nil'}, key=len, reverse=True))})"
# "6/10", "6 out of 10", "six outta ten": a score wherever it stands in the message.
_OUT_OF_TEN = re.compile(rf"(?<![\w.])(?P<n>{_NUMBER})\s*(?:/|out of|outta|of)\s*(?:10|ten)\b")
# Words around a number that still leave the message a bare score: "I'd say about a 6 today".
FILLERS = frozenset(
    "i i'm im about around maybe perhaps probably roughly approx approximately like a an at it its it's is id i'd say "
    "would guess think reckon today now tonight this morning still only just honestly hmm um umm uh er "
    "ok okay so well pain my back level score rating the definitely solid strong good bad mild "
    "currently right pretty much close to nearly almost over under sitting feels feeling".split()
)
_FILLER = "(?:" + "|".join(sorted(map(re.escape, FILLERS), key=len, reverse=True)) + ")"
# The whole message: fillers, a number or a range ("5-6", "5 or 6": read as its higher end, the
# cautious side for "worse"), "-ish", fillers.
_BARE = re.compile(
    rf"^(?:{_FILLER}\s+)*(?P<score>(?P<neg>-)?(?P<a>{_NUMBER})(?:\s*(?:-|to|or)\s*(?P<b>{_NUMBER}))?(?:-?ish)?)"
    rf"(?:\s+{_FILLER})*$"
)
NO_PAIN = re.compile(r"^(?:(?:zero|0|none|nil) )?(?:no pain|pain free|pain-free)(?: at all)?(?: today| now)?$")
ZERO_WORDS = {"zero": 0.0, "nought": 0.0, "nil": 0.0}
# Two ends further apart than this are not one score ("2 or 10"?).
MAX_RANGE = 3


@dataclass(frozen=True)
class Reading:
    """A number read from a reply: ``value`` is its score, ``in_range`` whether it is on 0-10."""

    value: float

    @property
    def in_range(self) -> bool:
        """Whether the number is a score on the 0-10 scale."""
        return LOWEST <= self.value <= HIGHEST


def _number(text: str) -> Optional[float]:
    if text in ZERO_WORDS:
        return ZERO_WORDS[text]
    if text in NUMBER_WORDS:
        return float(NUMBER_WORDS[text])
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _words(text: str) -> List[str]:
    cleaned = re.sub(r"[–—−]", "-", text.lower().replace("’", "'"))
    cleaned = re.sub(r"[!?.,;:()~]+(?=\s|$)", " ", cleaned)
    return cleaned.split()


def read_score(text: str) -> Optional[Reading]:
    """The number a reply gives as a pain score, or None when the message is not a score reply.

    A score "out of 10" counts anywhere in the message. Otherwise the message must be the number
    and filler words only ("about a 6", "I'd say six today"), so "3 days ago" or "I'm 45" are
    not scores. Numbers outside 0-10 are returned too (``in_range`` False), so a reply of "15"
    gets asked again instead of being answered as something else; only bare ones, though: with
    filler words around it a number above 10 is more likely an age or a count.
    """
    lowered = " ".join(_words(text))
    found = _OUT_OF_TEN.search(lowered)
    if found:
        value = _number(found.group("n"))
        return Reading(value) if value is not None else None
    if NO_PAIN.match(lowered):
        return Reading(0.0)
    bare = _BARE.match(lowered)
    if not bare:
        return None
    a = _number(bare.group("a"))
    b = _number(bare.group("b")) if bare.group("b") else a
    if a is None or b is None:
        return None
    if bare.group("neg"):
        return Reading(-a) if bare.group("b") is None and lowered == bare.group("score") else None
    if abs(a - b) > MAX_RANGE:
        return None
    value = max(a, b)
    alone = lowered == bare.group("score")
    return Reading(value) if alone or LOWEST <= value <= HIGHEST else None


@dataclass(frozen=True)
class Score:
    """One answered check-in: the score and when it was given (epoch seconds, real time)."""

    score: float
    time: float

    def to_slot(self) -> Dict[str, Any]:
        """The score as kept in the ``pain_scores`` slot."""
        score: Any = int(self.score) if float(self.score).is_integer() else self.score
        return {"score": score, "time": round(self.time, 3)}

    @classmethod
    def from_slot(cls, value: Any) -> Optional[Score]:
        """A score from the slot, or None for a malformed item (never a crash on old data)."""
        if not isinstance(value, dict):
            return None
        try:
            return cls(float(value["score"]), float(value["time"]))
        except (KeyError, TypeError, ValueError):
            return None


def scores_from_slot(value: Any) -> List[Score]:
    """The scores kept in the ``pain_scores`` slot, oldest first."""
    scores = [Score.from_slot(item) for item in value or [] if item is not None]
    return sorted((s for s in scores if s is not None), key=lambda s: s.time)


class Trend(str, Enum):
    """What the latest score says against the earlier ones."""

    FIRST = "first"
    WORSE = "worse"
    NOT_IMPROVING = "not_improving"
    BETTER = "better"
    SAME = "same"


@dataclass(frozen=True)
class Assessment:
    """The trend, with the scores it was read from and the weeks since the first (check-in clock)."""

    trend: Trend
    latest: Score
    previous: Optional[Score]
    first: Score
    weeks: float


def assess(scores: Sequence[Score], scale: float = 1.0) -> Assessment:
    """Read the trend of ``scores`` (oldest first, the latest last).

    Worse: 2 or more points above the previous score or the first one. Not improving: at least
    :data:`NO_IMPROVEMENT_WEEKS` since the first score (``scale`` times real time, like every
    check-in delay) and neither 2 points below the first nor down to 0-1. Better: lower than last
    time. Same otherwise.
    """
    if not scores:
        raise ValueError("assess needs at least one score")
    latest, first = scores[-1], scores[0]
    weeks = max(0.0, latest.time - first.time) * scale / (7 * 86400.0)
    if len(scores) == 1:
        return Assessment(Trend.FIRST, latest, None, first, weeks)
    previous = scores[-2]
    if latest.score >= min(previous.score, first.score) + MEANINGFUL_CHANGE:
        trend = Trend.WORSE
    elif weeks >= NO_IMPROVEMENT_WEEKS and latest.score > max(first.score - MEANINGFUL_CHANGE, SETTLED):
        trend = Trend.NOT_IMPROVING
    elif latest.score < previous.score:
        trend = Trend.BETTER
    else:
        trend = Trend.SAME
    return Assessment(trend, latest, previous, first, weeks)


def show(score: float) -> str:
    """A score as people write it: "6/10", "6.5/10"."""
    return f"{int(score) if float(score).is_integer() else score:g}/10"
