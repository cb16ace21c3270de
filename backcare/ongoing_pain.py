"""Which answers are about pain that goes on, and so come with the offer of a pain check-in."""

import re
from typing import Optional

from backcare.guidance_schema import Entry, Topic
from backcare.quantities import durations

# Answers about getting better over time: how long it lasts, staying active, exercise.
ONGOING_TOPICS = frozenset({Topic.RECOVERY, Topic.OUTLOOK, Topic.ACTIVITY, Topic.EXERCISE})
ONGOING_ENTRIES = frozenset({"pain.stay_active", "sciatica.how_long", "sciatica.self_care"})
# The recovery topic also holds aftercare for a massage, which is about that evening, not weeks.
NOT_ONGOING = re.compile(r"massage")
# Pain this old has outlasted a strain that settles in a day or two.
ONGOING_HOURS = 72.0
_TOKEN = re.compile(r"[a-z0-9]+")


def lasted_days(text: str, onset_hours: Optional[float]) -> bool:
    """Whether the pain has lasted days or weeks: by the onset known, or a duration in ``text``."""
    if onset_hours is not None and onset_hours >= ONGOING_HOURS:
        return True
    words = _TOKEN.findall(text.lower())
    return any(weeks * 7 * 24 >= ONGOING_HOURS for _, weeks in durations(words, words))


def about_ongoing_pain(entry: Entry, text: str, onset_hours: Optional[float]) -> bool:
    """Whether the answer ``entry`` to ``text`` is about pain that goes on (see the module docstring)."""
    if entry.id in ONGOING_ENTRIES or (entry.topic in ONGOING_TOPICS and not NOT_ONGOING.search(entry.id)):
        return True
    return lasted_days(text, onset_hours)
