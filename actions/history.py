"""What the conversation so far says, read from the tracker's events.

Who the advice is for (and their age and pregnancy), what was named and answered, and which
question an answer was for.
"""

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from rasa_sdk import Tracker

from backcare import subject
from backcare.guidance_schema import Topic
from backcare.red_flag_data import IF_AGE, RedFlagData, Sign
from backcare.store import GuidanceStore


def user_texts(tracker: Tracker) -> List[str]:
    """What the person typed in this session, oldest first (button payloads left out)."""
    texts: List[str] = []
    for event in tracker.events:
        if event.get("event") == "session_started":
            texts = []
        elif event.get("event") == "user" and not str(event.get("text") or "").startswith("/"):
            texts.append(str(event.get("text") or ""))
    return texts


def advice_for(tracker: Tracker) -> Tuple[Optional[str], Optional[float]]:
    """Who the latest question is about ("your dad", None for the person typing) and their age if said.

    Read from every message of the session, not from slots: the age may come in a message no
    answering action saw ("my mum's 81 and lives alone").
    """
    return subject.of_conversation(user_texts(tracker))


def listener(tracker: Tracker) -> subject.Listener:
    """Who this session's messages are about (see :class:`backcare.subject.Listener`), after the latest."""
    heard = subject.Listener()
    for text in user_texts(tracker):
        heard.hear(text)
    return heard


def aged_signs(tracker: Tracker, red_flags: RedFlagData) -> List[Sign]:
    """Age-bound signs said without an age that count at the age known for that person now.

    The signs of the latest message, and, when the latest message is the one that gives the age
    ("he's 74, can he use heat?" after "my dad's never had back trouble before"), the signs said
    earlier for the same person: in either order the age goes through the same check.
    """
    listener = subject.Listener()
    who: Optional[str] = None
    age: Optional[float] = None
    waiting: List[Tuple[Optional[str], str]] = []
    age_before: Optional[float] = None
    for event in tracker.events:
        if event.get("event") == "session_started":
            listener, who, age, waiting = subject.Listener(), None, None, []
        elif event.get("event") == "user" and not str(event.get("text") or "").startswith("/"):
            now_who, now_age = listener.hear(str(event.get("text") or ""))
            age_before = age if now_who == who else None
            who, age = now_who, now_age
            waiting += [(who, i) for i in (event.get("parse_data") or {}).get(IF_AGE) or []]
    if age is None:
        return []
    latest = list(tracker.latest_message.get(IF_AGE) or [])
    # The age is new for this person, or corrected ("sorry, he's 15 not 25"): earlier signs count again.
    earlier = [i for w, i in waiting if w == who] if age_before != age else []
    signs = [red_flags.sign(i) for i in dict.fromkeys([*latest, *earlier])]
    return [s for s in signs if s is not None and s.age is not None and s.age.fits(age)]


def escalated_last_turn(tracker: Tracker) -> Optional[Tuple[str, List[str]]]:
    """The tier and signs of an escalation the bot said in answer to the message before the latest.

    None when the previous turn was not an escalation (or there is no previous turn).
    """
    users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
    if len(users) < 2:
        return None
    for event in tracker.events[users[-2] + 1 : users[-1]]:
        metadata = event.get("metadata") or {}
        if event.get("event") == "bot" and metadata.get("red_flag_tier"):
            return str(metadata["red_flag_tier"]), [str(s) for s in metadata.get("red_flag_signs") or []]
    return None


# "He saw the GP this morning", "I've been checked at A&E": the escalation has been acted on.
_CLINICIAN = r"(?:doctor|doc|gp|a&e|er|hospital|urgent care|111|physio|nurse)"
_SEEN_DOCTOR = re.compile(
    r"\b(?:saw|seen|been to|went to|visited|spoke to|checked (?:over )?by|examined by)\s+(?:\w+\s+){0,2}?"
    + _CLINICIAN + r"\b|\b" + _CLINICIAN + r"\s+(?:has\s+|have\s+)?(?:saw|seen|checked|examined|looked at)\b"
)


def standing_signs(tracker: Tracker, red_flags: RedFlagData) -> List[Sign]:
    """Signs that stay true of a person, which an earlier escalation named for the one the advice is for now.

    "My dad's 70 and has never had back pain before" escalates; "what painkillers can he take?"
    next is still about a first-ever back pain at 70, and the age goes through the same check
    at every turn, as :func:`aged_signs` does when the age comes last. A past cancer, a weak
    immune system or long steroid use (``history_counts``) stays true in the same way ("he had
    bowel cancer", then "is walking ok for him?"). Kept per person (asking for yourself again, or
    for someone else, starts clean) until a message says a doctor has seen them. Other signs are
    not kept: a clear question after them is answered (the person has heard the advice), a vague
    one gets the escalation again (:func:`escalated_last_turn`).
    """
    heard = subject.Listener()
    who: Optional[str] = None
    age: Optional[float] = None
    standing: Dict[Optional[str], List[str]] = {}
    for event in tracker.events:
        kind = event.get("event")
        if kind == "session_started":
            heard, who, standing = subject.Listener(), None, {}
        elif kind == "user" and not str(event.get("text") or "").startswith("/"):
            text = str(event.get("text") or "")
            who, age = heard.hear(text)
            if _SEEN_DOCTOR.search(text.lower()):
                standing.pop(who, None)
        elif kind == "bot":
            said = [str(i) for i in (event.get("metadata") or {}).get("red_flag_signs") or []]
            standing[who] = [*standing.get(who, []), *said]
    signs = [red_flags.sign(i) for i in dict.fromkeys(standing.get(who, []))]
    # An age corrected out of range ("sorry, she's 38 not 58") lifts the sign; an unknown age keeps it.
    return [s for s in signs if s is not None
            and (s.history_counts or s.age is not None and (age is None or s.age.fits(age)))]


# Intents of messages that ask a question (the others give an onset, say thanks, pick "why?").
QUESTION_INTENTS = ("ask_guidance", "ask_medicine", "ask_entry")


def asked_question(tracker: Tracker, entry_id: str) -> Optional[Dict[str, Any]]:
    """The parse data of the question the bot's answer ``entry_id`` was for, or None.

    That is the last question asked before the answer, not the message just before it: the
    onset form may have asked "when did it start?" in between. Read from the session's events,
    so a correction ("no wait, it was 3 days ago") can answer the question again for the new onset.
    """
    question: Optional[Dict[str, Any]] = None
    found: Optional[Dict[str, Any]] = None
    for event in tracker.events:
        kind = event.get("event")
        if kind == "session_started":
            question = found = None
        elif kind == "user":
            parse = event.get("parse_data") or {}
            if (parse.get("intent") or {}).get("name") in QUESTION_INTENTS:
                question = parse
        elif kind == "bot" and (event.get("metadata") or {}).get("entry_id") == entry_id:
            found = question
    return found


@dataclass(frozen=True)
class Referent:
    """Something the conversation named: a vocabulary thing (``kind``, canonical id) or an answer.

    ``kind`` is equipment, body_area or therapy for a thing the person named or an answer was
    about, ``topic`` for a condition an answer was about (sciatica), or ``entry`` for an answer
    about something to use or do that the vocabulary has no word for (TENS, acupuncture): then
    the answer itself is what "it" points at. ``turn`` counts the person's
    messages in this session, from 0.
    """

    turn: int
    kind: str
    value: str
    # Said by an answer on another topic, not named by the person: the towel the sitting and
    # sleeping advice mentions, the topper in the advice on a better night.
    incidental: bool = False


ENTRY = "entry"
# After an answer on a condition, "it" is that condition ("when should I see a doctor about it?"
# after the sciatica answers): every entry on its topic is about what "it" points at.
TOPIC = "topic"
CONDITION_TOPICS = frozenset({Topic.SCIATICA})
# Answers about something a person uses or does, which "it" can stand for ("is it worth doing?"
# after acupuncture); after an answer on pregnancy or sleep, "it" is the pain.
THING_TOPICS = frozenset({Topic.TREATMENTS, Topic.MEDICINE, Topic.EXERCISE, Topic.MASSAGE, Topic.EQUIPMENT,
                          Topic.HEAT_ICE})


def referents(tracker: Tracker, store: GuidanceStore, kinds: Sequence[str]) -> List[Referent]:
    """What the earlier turns of this session named, most recent first (the latest message left out).

    From the entities of the person's messages and from the bot's answers: an answer about a
    thing names it too ("would a topper help?" answered, the topper is "it" next turn).
    """
    found: List[Referent] = []
    turn = -1
    users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
    latest = users[-1] if users else -1
    for index, event in enumerate(tracker.events):
        kind = event.get("event")
        if kind == "session_started":
            found, turn = [], -1
        elif kind == "user" and index != latest:
            turn += 1
            for entity in (event.get("parse_data") or {}).get("entities") or []:
                name = str(entity.get("entity"))
                canonical = store.canonical(name, str(entity.get("value") or "")) if name in kinds else None
                if canonical:
                    found.append(Referent(turn, name, canonical))
        elif kind == "bot" and index < latest:
            entry = store.get(str((event.get("metadata") or {}).get("entry_id") or ""))
            if entry is None:
                continue
            aside = entry.topic not in THING_TOPICS
            things = [Referent(turn, k, v, aside) for k in kinds for v in getattr(entry.applies_to, k)]
            if not things and entry.topic in THING_TOPICS:
                things = [Referent(turn, ENTRY, entry.id)]
            if entry.topic in CONDITION_TOPICS:
                things.append(Referent(turn, TOPIC, entry.topic.value))
            found.extend(things)
    # Most recent first; within a turn, what the person typed before what the answer was about.
    return sorted(found, key=lambda r: -r.turn)


# A condition that changes which advice holds, said of the person the advice is for.
# "Expecting" alone is pregnancy only after someone is ("she's expecting twins"), and not when
# something is expected ("I'm expecting it to ease").
_PREGNANT = re.compile(
    r"\b(?<!not )(?<!n't )(pregnant|pregnancy|preggers|preggo|trimester|weeks gone"
    r"|expecting (?:a baby|a little|a boy|a girl|twins|triplets|(?:my|our|her) (?:first|second|third|baby))"
    # "30 wks", "I'm 12 weeks": said of the person, a number of weeks is how far along; "for 6
    # weeks", "6 weeks ago" is how long something has lasted.
    r"|\d{1,2} ?(?:wks?|weeks?) (?:pregnant|preg|gone|along|today|now)\b"
    r"|(?:i'?m|i am|she'?s|she is|we'?re|we are|at|now) \d{1,2} ?(?:wks?|weeks?)\b(?! (?:ago|of|since|into|later|in)\b)"
    r"|(?:i'?m|i am|she'?s|she is|we'?re|we are|is|are) expecting\b"
    r"(?! (?:it|to|that|this|the|a lot|more|much|worse|better)))"
)


def pregnant(tracker: Tracker) -> bool:
    """Whether a message of this session said the person the advice is now for is pregnant.

    "My sister's pregnant", then "what can she take?": the medicine answer for pregnancy. Said
    of someone else, it stops counting when the person asks for themselves again.
    """
    listener = subject.Listener()
    said_of: Set[Optional[str]] = set()
    for text in user_texts(tracker):
        who, _ = listener.hear(text)
        if _PREGNANT.search(text.lower().replace("’", "'")):
            said_of.add(who)
    return listener.who in said_of
