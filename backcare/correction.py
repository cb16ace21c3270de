"""Corrections of when the pain started: "no wait, it was 3 days ago", "a few hours ago, not a week".

A correction often names more than one time: the wrong one it takes back ("not a week"), the
right one, and times about something else ("it's my neck that's been bad for a fortnight").
Rasa's slot mapping keeps the last onset entity of a message, which is often the wrong one, so
the answering action picks the corrected value itself, by these rules.
"""

import re
from typing import Any, Dict, List, Optional, Sequence

from backcare.number_words import WEEKDAYS

# Words that take back what was said before.
CORRECTION = re.compile(
    r"\b(wait|hang on|hold on|actually|sorry|i mean|i meant|my mistake|correction|oops|scratch that|scrap that"
    r"|ignore that|forget that|ignore me|ignore my \w+|my maths?"
    r"|i tell a lie|that's wrong|that was wrong|i was wrong|i got it wrong|misspoke"
    r"|mixed up|mixing (?:it |that )?up|muddled|not what i meant|my bad|thinking about it|come to think of it)\b"
    # "No, ...", "no wait", "no it was ...", never "no numbness".
    r"|\bno\s*[,.!;-]|^\W*no\s+(?:wait|sorry|it|that|hang|hold|actually|i)\b"
)
# A time taken back: "not a week", "rather than tonight", "instead of last week", "i said monday".
_TAKEN_BACK = re.compile(r"\b(?:not|rather than|instead of|never|i said|i thought|i told you)\s+(?:\w+\s+)?$")


# "So four days ago now", "which is a week": the person's own reckoning of the time they corrected to.
_RECKONED = re.compile(
    r"\b(?:so|which is|which was|that's|thats|that is|making it|i\.e\.)\s+(?:about\s+|around\s+|roughly\s+|nearly\s+)?$"
)
# Texting shortens the days: "today's thurs", "it was weds". "Sat" and "sun" are words too ("I was
# sat at my desk"), so they count only as what day it is now.
_SHORT_DAYS = {"mon": "monday", "tue": "tuesday", "tues": "tuesday", "wed": "wednesday", "weds": "wednesday",
               "thu": "thursday", "thur": "thursday", "thurs": "thursday", "fri": "friday"}
_WEEKEND_SHORT = {"sat": "saturday", "sun": "sunday"}
_DAY = "|".join([*WEEKDAYS, *_SHORT_DAYS])
_ANY_DAY = "|".join([*WEEKDAYS, *_SHORT_DAYS, *_WEEKEND_SHORT])
# What day it is now, said to reckon from: "today's friday", "it's wednesday today", "today is monday",
# "it's monday lunchtime" (not "it's sat on my chest", nor "it's monday it started").
_TODAY_IS = re.compile(
    rf"\btoday(?:'s|s| is)\s+(?:a\s+)?({_ANY_DAY})\b|\b(?:it's|its|it is)\s+({_ANY_DAY})\s+today\b"
    rf"|\b(?:it's|its|it is)\s+({_DAY})\b(?!\s+(?:when|that|it|i|my|since)\b)"
)
# A day named as when it started, which the entity patterns miss without "on" or "since": "it was monday".
_WAS_DAY = re.compile(rf"\b(?:was|were|on|since|from|last|it)\s+((?:last\s+)?(?:{_DAY}))\b")


def _full_day(word: str) -> str:
    """The weekday a short form stands for ("thurs" is thursday; "last weds" last wednesday)."""
    return re.sub(r"\w+$", lambda m: _SHORT_DAYS.get(m.group(0), _WEEKEND_SHORT.get(m.group(0), m.group(0))), word)


def spoken_onsets(text: str, onsets: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The message's onsets (``value``, ``start``) with what the entities miss or misread.

    A day named as the onset ("it was monday") is added; a "today" that only says what day it is
    ("today's friday") is dropped, and days are then counted back from the day said, as "4 days ago".
    """
    lowered = text.lower().replace("’", "'")
    stated = _TODAY_IS.search(lowered)
    found = [dict(o) for o in onsets if not (stated and stated.start() <= int(o.get("start") or 0) < stated.end())]
    for match in _WAS_DAY.finditer(lowered):
        if stated and stated.start() <= match.start(1) < stated.end():
            continue
        covered = any(int(o.get("start") or 0) <= match.start(1) < int(o.get("start") or 0) + len(str(o.get("value")))
                      for o in found)
        if not covered:
            found.append({"value": _full_day(match.group(1)), "start": match.start(1)})
    if stated is None:
        return found
    today = WEEKDAYS.index(_full_day(stated.group(1) or stated.group(2) or stated.group(3)))
    for onset in found:
        value = str(onset.get("value") or "").lower()
        day = next((i for i, d in enumerate(WEEKDAYS) if re.search(rf"\b{d}\b", value)), None)
        if day is not None:
            back = (today - day) % 7 or 7
            back += 7 if back == 1 and value.startswith("last ") else 0
            onset["value"] = f"{back} days ago"
    return found


def is_correction(text: str, onsets: Sequence[Dict[str, Any]] = ()) -> bool:
    """Whether the message takes back something said before, in words or by a time it takes back."""
    lowered = text.lower().replace("’", "'")
    return bool(CORRECTION.search(lowered)) or any(_taken_back(lowered, o) for o in onsets)


def _taken_back(lowered: str, onset: Dict[str, Any]) -> bool:
    """Whether the message takes this time back: "not a week", "i said monday"."""
    start = onset.get("start")
    return start is not None and bool(_TAKEN_BACK.search(lowered[: int(start)]))


def corrected_value(text: str, onsets: Sequence[Dict[str, Any]]) -> Optional[str]:
    """The onset a correction means, from the message's onset entities (``value``, ``start``).

    Times taken back ("not a week") never count. Of the others, the first after the words that
    correct ("sorry, I meant ...") wins; without such words, the first one said. None when every
    time named was taken back.
    """
    lowered = text.lower().replace("’", "'")
    marker = CORRECTION.search(lowered)
    ordered = sorted(onsets, key=lambda o: int(o.get("start") or 0))
    kept = [o for o in ordered if o.get("value") and not _taken_back(lowered, o)]
    if not kept:
        return None
    reckoned = [o for o in kept if _RECKONED.search(lowered[: int(o.get("start") or 0)])]
    after = [o for o in kept if marker is not None and int(o.get("start") or 0) >= marker.start()]
    return str((reckoned or after or kept)[0]["value"])


def kept(text: str, mentions: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The mentions (entities with ``start``) a correction does not take back.

    "Not the tennis ball, the massage gun" keeps the massage gun; "i meant the lacrosse ball not
    the roller" the lacrosse ball.
    """
    lowered = text.lower().replace("’", "'")
    return [m for m in mentions if not _taken_back(lowered, m)]
