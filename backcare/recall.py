"""Messages that ask for an earlier answer again: "what was that about pressure again?".

Recognised by fixed phrases rather than by the intent classifier, because these messages look
like "say that again" (repeat the last answer) or "tell me more" to a classifier, and which one it
picks changes from one training run to the next. A bare "what was that?" is not a recall: it
names nothing to look for: :func:`asks_repeat` hears it, by rule too, since the classifier has read
"sorry, what did you say?" as out of scope on one training run.
"""

import re
from typing import Optional

# Where the NLU puts the kind of recall in the parse data, for the answering action to read.
RECALL = "guidance_recall"
FIRST = "first"
OTHER = "other"
EARLIER = "earlier"

_FIRST = re.compile(
    r"\b(first question|the first one|back to (the|my) first|the first answer"
    r"|the (very )?first (thing|answer|bit) (you|that you|i asked))\b"
)
# "The second one again", "what was your third answer": the answer said second or third.
SECOND = "second"
THIRD = "third"
_NTH = re.compile(r"\b(?:the|your|my) (second|2nd|third|3rd) (?:one|answer|question|thing|bit)\b")
ORDINALS = {FIRST: 0, SECOND: 1, THIRD: 2}
# Only when asked for again: "is the second one better?" compares, it does not recall.
_NTH_CUE = re.compile(
    r"\b(?:again|what (?:was|were|did)|remind|repeat|back to|go back|missed|tell me|say|please|answer)\b"
)
_OTHER = re.compile(r"\bthe other (one|thing|question)\b|^\W*(and )?(what about )?other one\b")
# A phrase that points back, followed by the subject to look for ("about pressure").
_POINTING_BACK = re.compile(
    r"\b(what was (that|it)|what was (the|your) (answer|advice)|what did you (say|tell me)|what you said"
    r"|remind me what|you (said|mentioned|told me)"
    r"|back to (the|my|that))\b(?P<rest>.*)"
)
_ABOUT_AGAIN = re.compile(r"\babout\b(?P<rest>.+)\bagain\b")
# "The gel one again", "that sleep bit again", "those gentle ones again": a part named by its
# subject, asked for again.
_PART = r"(?:ones?|bits?|parts?|things?|answers?|stuff|advice)"
_THE_AGAIN = re.compile(
    r"\b(?:the|that|those|these)\b(?P<rest>(?:\s+[\w'-]+){1,3}?)\s+" + _PART + r"\b.*\b(?:again|once more)\b"
)
# "The one about getting up", "that bit on ice": an earlier answer named by what it was about.
_THE_ONE_ABOUT = re.compile(
    r"\b(?:the|that|those|these)\s+" + _PART + r"\s+(?:about|on|re|regarding|for)\b(?P<rest>.+)"
)
# "Can you go over the brace thing again?", "say the ice bit again", "repeat the part about ice".
_AGAIN = re.compile(
    r"\b(?:tell me|say|go over|explain)\s+(?:that\s+|it\s+)?again\b(?P<after>.+)"
    r"|\b(?:go over|go through|run through|run me through|say|tell me|explain)\b(?P<rest>.+)\bagain\b"
    r"|\brepeat\b(?P<repeated>.+)"
)
# Words that can follow a pointing phrase without naming a subject: "what was that again, sorry?".
_FILLER = frozenset(
    "a about again an and before bit earlier for it just last me on one please question said say so sorry "
    "that the then this thing to was what you".split()
)


# Words that say which part without naming a subject: "repeat the last bit", "go over it again".
_VAGUE = frozenset("bit part thing stuff everything all whole last once more slowly can could would you".split())


# The whole message asks to hear the last answer again, with nothing to look for: "sorry, what did
# you say?", "come again?", "can you repeat that please".
_REPEAT = re.compile(
    r"(?:(?:sorry|pardon|huh|eh|oh|um|ok)\W*)*"
    r"(?:what did you (?:just )?say|what was that|(?:can|could|would) (?:you|u) (?:say|repeat)(?: that| it)?"
    r"|say (?:that|it)|repeat(?: that| it)?|come again|pardon(?: me)?|say again|one more time)"
    r"(?:\W+(?:again|please|pls|sorry|one more time))*\W*"
)


def asks_repeat(text: str) -> bool:
    """Whether the message only asks for the last answer again ("say that again?")."""
    return _REPEAT.fullmatch(text.lower().strip()) is not None


def names_subject(text: str) -> bool:
    """Whether the message names what it is about besides pointing back ("the other one, about sleep")."""
    words = set(re.findall(r"[a-z']+", _NTH.sub(" ", _OTHER.sub(" ", _FIRST.sub(" ", text.lower())))))
    return bool(words - _FILLER - {"what", "and", "how", "tell", "more", "of", "other"})


def recall_kind(text: str) -> Optional[str]:
    """``first``, ``second``, ``third``, ``other`` or ``earlier`` when asking for an earlier answer, else None."""
    text = text.lower()
    if _FIRST.search(text):
        return FIRST
    nth = _NTH.search(text)
    if nth is not None and _NTH_CUE.search(text):
        return SECOND if nth.group(1) in ("second", "2nd") else THIRD
    if _OTHER.search(text):
        return OTHER
    for pattern in (_POINTING_BACK, _ABOUT_AGAIN, _AGAIN, _THE_AGAIN, _THE_ONE_ABOUT):
        match = pattern.search(text)
        rest = match and next((g for g in match.groups() if g and g.strip()), "")
        if rest and set(re.findall(r"[a-z']+", rest)) - _FILLER - _VAGUE:
            return EARLIER
    return None
