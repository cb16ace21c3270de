"""Who a message's question is about: the person typing, or someone they name ("my dad, 72").

People ask for a partner, a parent or a child as often as for themselves. The answer is the same
guidance, said for that person, and their age goes through the same safety checks as the
person's own (back pain that starts for the first time under 20 or over 55 needs a doctor).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional, Tuple

from backcare.quantities import NUMBER_WORDS

# Words for the people someone asks for; the answer names them the same way ("For your nan: ").
RELATIONS = frozenset(
    """mum mom mother mam mommy mummy dad father daddy partner wife husband boyfriend girlfriend spouse
    fiance fiancee son daughter child kid toddler baby teenager teen grandma grandmother granny gran nan nana
    grandad granddad grandpa grandfather brother sister sibling friend mate colleague coworker flatmate
    roommate neighbour neighbor aunt auntie aunty uncle cousin niece nephew stepdad stepmum stepmom stepfather
    stepmother stepson stepdaughter grandson granddaughter grandchild boss hubby hubs missus wifey lad boy girl
    bf gf sis bro""".split()
) | {"other half", "little one", "eldest", "youngest", "old man", "old lady"}
# Words that say which one someone is rather than who: "he's 15, he's my youngest" is still the son.
_DESCRIBES = frozenset({"your eldest", "your youngest", "your little one"})
# People someone lifts and carries: "how do I pick my son up?" is about the back of the person typing.
CARRIED = frozenset(
    "son daughter child kid toddler baby boy girl grandson granddaughter grandchild nephew niece".split()
) | {"little one"}
# An age in digits or words, then what it must not be followed by ("3 weeks", "70 kg").
# "Eighty-two" and "sixty five" are one number: a tens word, then a units word.
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_WORDS = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_NUMBER = r"(\d{1,3}|(?:" + _TENS + r")[\s-](?:" + _UNITS + r")\b|" + _WORDS + r")"
_AGE = (
    r"(?:aged\s+|age\s+|only\s+|nearly\s+|over\s+|(?:just\s+)?turned\s+)?" + _NUMBER
    + r"\b(?!\s*(?:days?|weeks?|months?|kg|lbs?|min|%))"
)
# "In his seventies", "in her late 60s": the middle of the decade, or its start or end.
_DECADES = {w: 10 * (i + 2) for i, w in enumerate(_TENS.replace("y", "ie").split("|"))}
_DECADE = re.compile(
    r"\bin (?:his|her|their) (?:(early|mid|late)[\s-]+)?((?:" + "|".join(_DECADES) + r")s|[1-9]0'?s)\b"
)
_DECADE_PART = {"early": 2.0, "mid": 5.0, "late": 8.0}
# "my dad", "my 72 year old dad", "my elderly mum", "for my son", "my wife's back".
_RELATION = "|".join(sorted(RELATIONS, key=len, reverse=True))
# Also "our daughter", "the wife", "a friend"; "mother in law" with or without hyphens.
_NAMED = re.compile(
    r"\b(?:my|our|the(?=\s+(?:wife|husband|missus|hubby|other half|wifey)\b)"
    r"|a(?=\s+(?:friend|mate|colleague|neighbour|neighbor|pal)\b))"
    r"\s+(?:[a-z0-9/']+[\s-]+){0,4}?((?:" + _RELATION + r")(?:[\s-]in[\s-]law)?)s?\b"
)
# Someone named by their age alone: "my 13 yr old", "my 7-year-old" (not "my 7 year old son").
_AGED_ONLY = re.compile(
    r"\bmy\s+(?:little\s+|eldest\s+|youngest\s+)?(\d{1,2}|" + _WORDS + r")[\s-]*(?:(?:years?|yrs?)[\s-]*old|yo|y/o)s?\b"
    r"(?!\s+(?:" + _RELATION + r")\b)"
)
# Only when the named person is the one with the back pain: "my dad hurt his back", "can my wife
# use heat", not "how do I lift my toddler" or "my physio said".
_SUFFERS_AFTER = re.compile(
    r"^(?:'s|s')?(?:\s*,[^,]{1,12},|\s*\(\s*\d{1,3}\s*\))?\s*(?:'s\s+|is\s+|has\s+|had\s+|'s got\s+)?"
    r"(?:back|pain|sciatica|hurt|hurts|strained|pulled|did|put|injured|twisted|slipped|suffers|gets|keeps"
    r"|can't|cannot|is|has|aged|\d{1,3}|in (?:his|her|their))\b"
)
_ASKS_FOR = re.compile(
    r"\b(?:can|could|should|shall|may|would|is it ok for|for|help|helping|tell|about|regarding)\s+my\s+$"
)
# A message that only names the person: "my dad", "my mum.", "it's my husband".
_ONLY_NAMED = re.compile(r"^\W*(?:it's\s+|its\s+|this is\s+)?$")
_THIRD_PERSON = re.compile(r"\b(?:he|she|his|her|him)\b")
# The other person as the one with the back: "she keeps getting a sore back", "his back", "they
# want to know". Not "how do I lift him" (the person typing lifts), nor "they say rest is bad".
_THIRD_PERSON_SUFFERS = re.compile(
    r"\b(?:he|she|they)(?:'s|'ve|'d)?\s+(?:just\s+|really\s+|still\s+)?(?:keeps?|gets?|got|has|have|had|hurt|hurts"
    r"|pulled|strained|did|does|do|can't|cannot|can|could|should|would|wants?|needs?|is|are|was|were|woke|started"
    r"|says? (?:it|her|his|their))\b"
    r"|\b(?:can|could|should|would|does|do|is|will|may|might) (?:he|she|they)\b(?! (?:be )?right\b)"
    r"|\b(?:his|her|their)\s+(?:lower\s+)?back\b"
)
# The person typing speaks of their own back again: "without my back going", "my lower back".
_OWN_BACK = re.compile(r"\bmy (?:lower |own )?back\b")
_OTHER_BACK = re.compile(r"\b(?:his|her|their) (?:lower |own )?back\b")
# The person typing has the pain: "I hurt my back lifting my son".
_FIRST_PERSON_PAIN = re.compile(
    r"\b(?:my (?:lower |own )?back|i (?:hurt|strained|pulled|have|had|'ve|get|got)|i'm in pain|my pain)\b"
)
_AGE_BEFORE = re.compile(_NUMBER + r"[\s-]*(?:years?|yrs?)?[\s-]*old\b|\b" + _NUMBER + r"\s*(?:yo|y/o)\b")
_AGE_AFTER = re.compile(r"^(?:'s|\s+is|\s*,|\s*\()?\s*(?:who(?:'s|\s+is)\s+)?" + _AGE)
# Also "hes 74" and "shes 15", as people text it.
_PRONOUN_AGE = re.compile(r"\b(?:he|she|they)(?:'?s|\s+is|\s+are|\s+was)\s+" + _AGE)
_OWN_AGE = re.compile(r"\bi(?:'m| am|m)\s+" + _AGE)
# The person asks for themselves again: "what about me?", "I've got it too".
_SELF = re.compile(
    r"\b(what about me|how about me|and me|for me|for myself|my own|i('ve| have) (got )?it too|me too|mine too"
    r"|i hurt mine)\b"
)


@dataclass(frozen=True)
class Subject:
    """Someone other than the person typing, and their age when it was said."""

    who: str
    age: Optional[float] = None


def _number(text: str) -> float:
    if text.isdigit():
        return float(text)
    return float(sum(NUMBER_WORDS[w] for w in re.split(r"[\s-]+", text) if w))


def _decade_age(text: str) -> Optional[float]:
    """An age said as a decade: "in his seventies" is 75, "in her early 60s" 62."""
    match = _DECADE.search(text)
    if match is None:
        return None
    part, decade = match.group(1), match.group(2).rstrip("s").rstrip("'")
    start = float(decade) if decade.isdigit() else float(_DECADES[decade])
    return start + _DECADE_PART.get(part or "mid", 5.0)


def _plain(text: str) -> str:
    """Lowercased, with straight apostrophes and "fiancé" spelt without its accent."""
    return text.lower().replace("’", "'").replace("é", "e")


def mentioned_person(text: str) -> Optional[Subject]:
    """Someone the message names in any role ("my girlfriend sits at a desk all day"), or None.

    Not yet who the advice is for: that takes them being the one with the back
    (:func:`named_subject`), now or when a later message says "she" of the pain.
    """
    text = _plain(text)
    match = _NAMED.search(text)
    if match is not None:
        before = _AGE_BEFORE.search(match.group(0))
        after = _AGE_AFTER.search(text[match.end():])
        pronoun = _PRONOUN_AGE.search(text)
        found = before or after or pronoun
        age = next((g for g in found.groups() if g), None) if found else None
        who = re.sub(r"[\s-]in[\s-]law$", "-in-law", match.group(1))
        return Subject(f"your {who}", _number(age) if age else _decade_age(text))
    aged = _AGED_ONLY.search(text)
    if aged is not None:
        years = _number(aged.group(1))
        return Subject(f"your {years:.0f}-year-old", years)
    return None


# "My boss is a pain in the neck" says nothing of the boss's back.
_PAIN_IN_THE = re.compile(
    r"(?:'s|\s+is|\s+are|\s+being)\s+(?:such\s+|a\s+|a\s+real\s+|a\s+right\s+|an\s+absolute\s+)*"
    r"pain in the (?:neck|arse|ass|backside|bum|butt|rear)\b"
)


def named_subject(text: str) -> Optional[Subject]:
    """The other person the message names as the one with the back ("my 72 year old dad"), or None."""
    text = _PAIN_IN_THE.sub(" annoys me", _plain(text))
    match = _NAMED.search(text) or _AGED_ONLY.search(text)
    if match is None or _FIRST_PERSON_PAIN.search(text):
        return None
    suffers = _SUFFERS_AFTER.search(text[match.end():]) or _ASKS_FOR.search(text[: match.start()] + "my ")
    only_named = _ONLY_NAMED.match(text[: match.start()]) and not re.search(r"[a-z]", text[match.end():])
    if not suffers and not only_named and not _THIRD_PERSON.search(text):
        return None
    return mentioned_person(text)


def carried(who: Optional[str]) -> bool:
    """Whether ``who`` ("your son", "your 2-year-old") is someone the person typing may lift and carry."""
    name = (who or "").removeprefix("your ")
    return name in CARRIED or name.endswith("-year-old")


# Someone small enough to be picked up and carried: a baby or toddler, or a child this young.
_CARRIED_YOUNG = frozenset({"baby", "toddler", "little one"})
CARRIED_UNDER = 6


def young_child(person: Optional[Subject]) -> bool:
    """Whether ``person`` is a child the person typing would lift ("my son is 2", "my toddler")."""
    if person is None:
        return False
    name = person.who.removeprefix("your ")
    return name in _CARRIED_YOUNG or (carried(person.who) and person.age is not None and person.age < CARRIED_UNDER)


def own_back(text: str) -> bool:
    """Whether the message speaks of the typing person's own back ("without my back going")."""
    text = text.lower().replace("’", "'")
    return bool(_OWN_BACK.search(text)) and not _OTHER_BACK.search(text)


def back_to_self(text: str) -> bool:
    """Whether the message asks for the person typing again, after asking for someone else."""
    return bool(_SELF.search(text.lower()))


def pronoun_age(text: str) -> Optional[float]:
    """An age said of the other person without naming them again: "she's 80"."""
    text = text.lower().replace("’", "'")
    match = _PRONOUN_AGE.search(text)
    return _number(match.group(1)) if match else _decade_age(text)


def own_age(text: str) -> Optional[float]:
    """The age of the person typing, when they say it: "I'm 60"."""
    match = _OWN_AGE.search(text.lower().replace("’", "'"))
    return _number(match.group(1)) if match else None


@dataclass
class Listener:
    """Who the advice is for as a conversation goes on, and their age; :meth:`hear` each message.

    Someone named as the one with the back takes over (keeping the age known for them); "what
    about me?" or "my back" goes back to the person typing; someone only mentioned ("my
    girlfriend sits at a desk all day") takes over when a later message says "she" of the pain;
    otherwise the conversation stays with whoever it was about, and an age said of them ("she's
    80", or "I'm 60" of the person typing) is kept.
    """

    who: Optional[str] = None
    age: Optional[float] = None
    mentioned: Optional[Subject] = None

    def hear(self, text: str) -> Tuple[Optional[str], Optional[float]]:
        """Follow one message; returns who the advice is for after it, and their age."""
        named = named_subject(text)
        lowered = text.lower().replace("’", "'")
        if named is not None and named.who in _DESCRIBES and self.who is not None:
            named = Subject(self.who, named.age)
        if named is not None:
            self.age = named.age if named.age is not None else (self.age if named.who == self.who else None)
            self.who = named.who
        elif self.who is not None and (back_to_self(text) or own_back(text)):
            self.who, self.age = None, own_age(text)
        elif self.who is None and self.mentioned is not None and _THIRD_PERSON_SUFFERS.search(lowered):
            said = pronoun_age(text)
            self.who, self.age = self.mentioned.who, said if said is not None else self.mentioned.age
        else:
            said = pronoun_age(text) if self.who else own_age(text)
            self.age = said if said is not None else self.age
        self.mentioned = mentioned_person(text) or self.mentioned
        return self.who, self.age


def follow(text: str, who: Optional[str], age: Optional[float]) -> Tuple[Optional[str], Optional[float]]:
    """Who the advice is for after this message, and their age, from who it was for before (see :class:`Listener`)."""
    return Listener(who, age).hear(text)


def of_conversation(texts: Iterable[str]) -> Tuple[Optional[str], Optional[float]]:
    """Who the advice is for after these messages, oldest first, and their age (see :class:`Listener`)."""
    listener = Listener()
    for text in texts:
        listener.hear(text)
    return listener.who, listener.age
