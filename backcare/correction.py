"""Corrections of when the pain started: "no wait, it was 3 days ago", "a few hours ago, not a week".

A correction often names more than one time: the wrong one it takes back ("not a week"), the
right one, and times about something else ("it's my neck that's been bad for a fortnight").
Rasa's slot mapping keeps the last onset entity of a message, which is often the wrong one, so
the answering action picks the corrected value itself, by these rules.
"""

import re
from typing import Any, Dict, Optional, Sequence

# Words that take back what was said before.
CORRECTION = re.compile(
    r"\b(wait|hang on|hold on|actually|sorry|i mean|i meant|my mistake|correction|oops|scratch that|scrap that"
    r"|ignore that|forget that|i tell a lie|that's wrong|that was wrong|i was wrong|i got it wrong|misspoke"
    r"|mixed up|mixing (?:it |that )?up|muddled|not what i meant|my bad|thinking about it|come to think of it)\b"
    # "No, ...", "no wait", "no it was ...", never "no numbness".
    r"|\bno\s*[,.!;-]|^\W*no\s+(?:wait|sorry|it|that|hang|hold|actually|i)\b"
)
# A time taken back: "not a week", "rather than tonight", "instead of last week", "i said monday".
_TAKEN_BACK = re.compile(r"\b(?:not|rather than|instead of|never|i said|i thought|i told you)\s+(?:\w+\s+)?$")


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
    after = [o for o in kept if marker is not None and int(o.get("start") or 0) >= marker.start()]
    return str((after or kept)[0]["value"])
