"""What every answering action shares: ranking entries by the message and the conversation's context."""

import re
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.base import CARRYING_ENTRIES, KINDS, StoreAction, entry_button, escalate
from actions.history import ENTRY, TOPIC, Referent, escalated_last_turn, listener, pregnant, referents
from backcare import subject
from backcare.ranking import RANKING
from backcare.red_flag_data import Tier
from backcare.store import Entry, Topic

# Context on top of the NLU's text score (a cosine plus a share of BM25, about 0 to 1.2): a thing
# named in this message pins the answer down; one named earlier only tips a close call, so a
# clear question on a new topic is not dragged back to the old one.
NAMED_BONUS = {names.EQUIPMENT: 0.12, names.THERAPY: 0.08, names.BODY_AREA: 0.03}
CONTEXT_BONUS = 0.08
# Unless the message points back at it ("where do I put it?", "how long for?"): then the thing
# named earlier is what the question is about. "It" is seldom a body area, and most advice
# is for the lower back anyway, so a body area named earlier only tips the answer.
POINTING_CONTEXT_BONUS = {names.EQUIPMENT: 0.4, names.THERAPY: 0.4, names.BODY_AREA: 0.12}
# Pointing back at an answer about something the vocabulary has no word for ("is it worth
# doing?" after the acupuncture answer): enough to win among the close scores such vague
# questions get, not enough to repeat an answer when a better-fitting entry is asked for.
ENTRY_POINTING_BONUS = 0.2
# A question that names nothing at all ("is it safe though?" after the chiropractors answer)
# fits no entry well (best text score under VAGUE_BELOW): "it" is all it asks about, and the
# answer pointed at often sits at the ranking's floor (about 0.3), so it counts as much as a
# named thing. A clear question about the same thing ("how soon can I massage it?" after the
# massage answer, best 1.3) still gets the entry it asks for.
VAGUE_ENTRY_POINTING_BONUS = 0.4
VAGUE_BELOW = 0.8
SHORT_FOLLOW_UP_WORDS = 4
# Advice written for pregnancy beats the general advice once the person it is for is pregnant
# ("what can she take?" after "my sister's pregnant").
PREGNANCY_BONUS = 0.2
# Lifting a small child the conversation named ("my son is 2", then "any tips for lifting him?")
# is the advice on lifting children; when the one with the back is someone else who is not a small
# child ("my son's 24 ... he hurt his back lifting crates"), it is not.
CARRYING_BONUS = 0.1
_SMALL_CHILD = re.compile(r"\b(?:baby|babies|toddlers?|infants?|child|children|kids?|little ones?|newborn|cot|pram)\b")
# An entry written for the onset the person gave beats the general one.
ONSET_BONUS = 0.05
# Below this the best entry is a guess: offer the best few as buttons instead of answering.
# Every question of bench/dev/questions.csv scores 0.62 or more with its best entry; chit-chat
# and gibberish ("whats the weather", "asdf") score under 0.45.
CLARIFY_BELOW = 0.55
# Entries offered as buttons score at least this; with none, the out-of-scope answer. Gibberish
# ("zzzz qqqq") reaches 0.28 with a short paraphrase by chance, so not just half of CLARIFY_BELOW.
OFFER_FROM = 0.3
MAX_CHOICES = 3
CLARIFY = "Sorry, I'm not sure which of these you mean:"
# The reply to a message that only says who the questions are about.
INTRODUCED = "OK, advice for {who}. What would you like to know?"
# Words that refer back to something named earlier: "how long should I use it?".
POINTING_WORDS = frozenset({"it", "them", "this", "that", "these", "those", "one"})
_DISMISSAL = re.compile(r"\b(?:never ?mind|nevermind|forget|ignore|scrap|leave) (?:that|this|it)\b")
# Pointing words that point at nothing: "is it normal that...", "it's ok to...", "does it matter
# if...", "better one day and worse the next", "one side", "one of the exercises".
_NOT_POINTING = re.compile(
    r"\b(?:is it|it'?s|it is|would it be|will it be)\s+(?:(?:really|quite|very|totally|ever|still)\s+)?"
    r"(?:normal|ok|okay|alright|safe|bad|good|better|best|worse|true|possible|likely|common|wise|fine|usual|unusual)"
    r"\s+(?:to|for|that|if|when|my|i|i'm|im)\b|\bdoes it matter\b"
    r"|\bone\s+(?:day|night|week|morning|evening|minute|moment|time|side|leg|hip|foot|of|or|more|bit|thing)\b"
    # "It's been a week", "it's killing me", "once it's better": the pain, not a thing named before.
    r"|\bit(?:'s|s| is| has)\s+(?:been|getting|hurting|killing|sore|aching|better|worse|gone|over|bad)\b"
    r"|\b(?:once|when|until|till|before|after)\s+it(?:'s|s| is)\b"
    r"|\bit\s+(?:twing\w*|hurt\w*|ach\w*|flar\w*|spasm\w*|kill\w*|playing up|going again)"
)
# A question that does something physical with "it" ("how long do I lie on it?", "can I use it on
# my lower back?", "how hard should I go at it?"): "it" is a piece of equipment or a therapy, even
# when the turns since named none.
_HANDLES_IT = re.compile(
    r"\b(?:use|using|lie|lying|lay|laying|put|putting|roll|rolling|lean|leaning|sit|sitting|sleep|sleeping"
    r"|leave|wear|wearing|press|pressing|hold|holding|place|strap|apply|stand)\s+(?:\w+\s+)?(?:on\s+|against\s+)?"
    r"(?:it|them|one)\b|\bgo\s+(?:at|with|on)\s+(?:it|them)\b"
)


# "Is it worth the money?", "does it actually work?": the thing pointed at is what the whole
# question is about, so its answer counts as much as in a vague question, whatever the words of
# the question happen to match ("worth" in "when is it worth seeing a physio?").
_ASKS_OF_IT = re.compile(
    r"^\W*(?:\w+\W+){0,2}?(?:is|does|do|will|would|did|has|are)\s+(?:it|that|this|they|those|these)\b"
)


def question_sentence(tracker: Tracker) -> str:
    """The latest message's question, lowercased: its last sentence with a question mark, else its last one."""
    text = (tracker.latest_message.get("text") or "").lower()
    sentences = [p for p in re.split(r"(?<=[.!?])\s+", text) if re.search(r"[a-z]", p)]
    questions = [p for p in sentences if p.rstrip().endswith("?")]
    return (questions or sentences or [text])[-1]


class GuidanceAction(StoreAction):
    """Ranks entries with the NLU's ``guidance_ranking`` plus the conversation's context.

    Reads the equipment, body_area, therapy and onset slots, and the session's events (what was
    named and answered in which turn, who the advice is for). The domain must declare those slots,
    the ``last_entry`` and ``pending_entry`` slots, and the ``ask_entry`` intent for buttons.
    """

    # Empty: every topic. Abstract (``name`` comes from subclasses), so the action server skips it.
    topics: FrozenSet[Topic] = frozenset()

    def ranked(
        self, tracker: Tracker, message: Optional[Dict[str, Any]] = None, fit_onset: bool = True
    ) -> List[Tuple[float, Entry]]:
        """Entries the message may ask about, with context bonuses, best first.

        ``message`` is the latest message unless given (an earlier question asked again). An
        entry whose onset window excludes a known onset stands for its variant that fits ("is a
        hot bath ok?" a few hours in is the no-heat advice), unless ``fit_onset`` is false; one
        that needs an unknown onset stays (answering it asks for the onset first).
        """
        latest = message is None
        message = tracker.latest_message if message is None else message
        now = self.mentioned(tracker, message)
        bonus = self.context_bonus(tracker, now) if latest else {}
        expecting = pregnant(tracker) if latest else False
        carrying = self.carrying_bonus(tracker) if latest else 0.0
        hours = self.onset_hours(tracker) if fit_onset else None
        items = list(message.get(RANKING) or [])
        # An entry about what the message points at may sit below the NLU's top few: it counts
        # with the lowest score listed, which is at least what it would have had.
        floor = min((float(i.get("score") or 0.0) for i in items), default=0.0)
        listed = {str(i.get("id")) for i in items}
        pointed = {thing: b for thing, b in bonus.items() if b > CONTEXT_BONUS}
        items += [{"id": e.id, "score": floor} for e in self.store.entries
                  if e.id not in listed and self.about(e, pointed)]
        scored = []
        for item in items:
            entry = self.store.get(str(item.get("id")))
            if entry is None or (self.topics and entry.topic not in self.topics):
                continue
            if hours is not None and not entry.fits(hours):
                entry = self.store.for_onset(entry, hours)
            score = float(item.get("score") or 0.0)
            score += sum(NAMED_BONUS[k] for k, v in now.items() if v in getattr(entry.applies_to, k))
            score += sum(b for (k, v), b in bonus.items() if self.about(entry, {(k, v): b}))
            score += ONSET_BONUS * (entry.needs_onset and hours is not None)
            score += PREGNANCY_BONUS * (expecting and entry.topic == Topic.PREGNANCY)
            score += carrying * (entry.id in CARRYING_ENTRIES)
            scored.append((score, entry))
        scored.sort(key=lambda pair: pair[0], reverse=True)
        # A variant stood in for an entry that did not fit: each entry once, at its best score.
        best: Dict[str, Tuple[float, Entry]] = {}
        for score, entry in scored:
            best.setdefault(entry.id, (score, entry))
        return list(best.values())

    @staticmethod
    def carrying_bonus(tracker: Tracker) -> float:
        """The bonus (or, negative, the penalty) for the advice on lifting children, from who was named."""
        heard = listener(tracker)
        if subject.young_child(heard.mentioned) or subject.young_child(subject.Subject(heard.who, heard.age)
                                                                         if heard.who else None):
            return CARRYING_BONUS
        text = (tracker.latest_message.get("text") or "").lower()
        return -CARRYING_BONUS if heard.who is not None and not _SMALL_CHILD.search(text) else 0.0

    def context_bonus(self, tracker: Tracker, now: Dict[str, str]) -> Dict[Tuple[str, str], float]:
        """What the conversation is about now, with the bonus each thing gives the entries about it.

        The current subject is what the most recent turn that named anything named (the person's
        words and the answer's subject, :func:`actions.history.referents`); a kind named in this
        message replaces the earlier things of that kind ("how hard should I press it into my
        lower back?" still points at the massage gun). Things named before the current subject
        give nothing, so a new topic is not dragged back to an old one. When the message points
        back ("it", a short follow-up), the subject is what it is about.
        """
        refs = [r for r in referents(tracker, self.store, KINDS) if r.kind not in now]
        # Slots the events do not show (a conversation read without its events) are old context.
        seen = {(r.kind, r.value) for r in refs}
        refs += [Referent(-1, k, v) for k, v in self.remembered(tracker).items() if k not in now and (k, v) not in seen]
        if not refs:
            return {}
        pointing = self.refers_back(tracker)
        current = [r for r in refs if r.turn == refs[0].turn]
        held = (names.EQUIPMENT, names.THERAPY)
        if pointing and not any(r.kind in held for r in current) and _HANDLES_IT.search(question_sentence(tracker)):
            things = [r for r in refs if r.kind in held and not r.incidental]
            current += [r for r in things if r.turn == things[0].turn]
        # "It" is what the person named ("thinking about a topper", then the side-sleeping
        # answer, which mentions a pillow, then "would it help?"), not a prop an answer on another
        # topic mentioned in passing: that only stands when the person named nothing of the kind.
        named = [r for r in refs if not r.incidental and r.kind in {c.kind for c in current}]
        if pointing and named and all(r.incidental for r in current):
            current = [r for r in named if r.turn == named[0].turn]
        if pointing:
            top = max((float(i.get("score") or 0.0) for i in tracker.latest_message.get(RANKING) or []), default=0.0)
            vague = top < VAGUE_BELOW or _ASKS_OF_IT.search(question_sentence(tracker)) is not None
            entry_bonus = VAGUE_ENTRY_POINTING_BONUS if vague else ENTRY_POINTING_BONUS
            return {(r.kind, r.value): POINTING_CONTEXT_BONUS.get(r.kind, entry_bonus) for r in current}
        return {(r.kind, r.value): CONTEXT_BONUS for r in current if r.kind != ENTRY}

    @staticmethod
    def about(entry: Entry, things: Dict[Tuple[str, str], float]) -> bool:
        """Whether ``entry`` is about one of ``things`` (a vocabulary thing it applies to, its topic, or itself)."""
        return any(v == entry.id if k == ENTRY else v == entry.topic.value if k == TOPIC
                   else v in getattr(entry.applies_to, k) for k, v in things)

    @staticmethod
    def refers_back(tracker: Tracker) -> bool:
        """Whether the question points at something said before ("it", "them") or is a short follow-up.

        Only the question's own sentence counts (the last one with a question mark, else the
        last one): in "it doesn't wake me at night. how often should I get up?" or "where does
        the roller go? it started 3 days ago" the "it" is the pain, not the thing named before.
        """
        # "Never mind that, how should I sit?" dismisses what came before rather than pointing at it.
        question = _DISMISSAL.sub(" ", question_sentence(tracker))
        words = re.findall(r"[a-z']+", question)
        # "It's worth a try?" points too: "it's" is "it" and "'s".
        pointers = set(re.findall(r"[a-z]+", _NOT_POINTING.sub(" ", question))) & POINTING_WORDS
        return bool(pointers) or len(words) <= SHORT_FOLLOW_UP_WORDS

    def repeat_escalation(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        """Say the escalation of the turn before again, if there was one; whether it was said.

        Right after an escalation, an unclear message ("ok so what now", "what do I do") asks about it.
        """
        escalation = escalated_last_turn(tracker)
        if escalation is not None:
            escalate(dispatcher, tracker, self.red_flags, Tier(escalation[0]), escalation[1])
        return escalation is not None

    def clarify(self, dispatcher: CollectingDispatcher, tracker: Tracker, choices: List[Entry]) -> List[EventType]:
        """Offer the likely entries as buttons, or say what the bot can help with.

        A message that only says who the questions are for ("my dad is 70", "asking for my
        grandma") gets an acknowledgement of who, with the buttons; right after an escalation the
        escalation is said again instead (:meth:`repeat_escalation`).
        """
        if self.repeat_escalation(dispatcher, tracker):
            return []
        buttons = [entry_button(e) for e in choices[:MAX_CHOICES]]
        introduced = subject.mentioned_person(tracker.latest_message.get("text") or "")
        if introduced is not None:
            dispatcher.utter_message(text=INTRODUCED.format(who=introduced.who), buttons=buttons)
        elif choices:
            dispatcher.utter_message(text=CLARIFY, buttons=buttons)
        else:
            dispatcher.utter_message(response="utter_out_of_scope")
        return []
