"""The one action that answers self-care questions, and the one for medicine questions."""

import re
from typing import Any, Dict, FrozenSet, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.base import StoreAction, entry_button
from actions.pain_question import reask_if_replying
from backcare import recall
from backcare.ranking import ALSO, RANKING
from backcare.store import Entry, Topic

# Context on top of the NLU's text score (a cosine plus a share of BM25, about 0 to 1.2): a thing
# named in this message pins the answer down; one named earlier only tips a close call, so a
# clear question on a new topic is not dragged back to the old one.
NAMED_BONUS = {names.EQUIPMENT: 0.12, names.THERAPY: 0.08, names.BODY_AREA: 0.03}
CONTEXT_BONUS = 0.08
# Unless the message points back at it ("where do I put it?", "how long for?"): then the thing
# named earlier is what the question is about.
POINTING_CONTEXT_BONUS = 0.4
SHORT_FOLLOW_UP_WORDS = 4
# An entry written for the onset the person gave beats the general one.
ONSET_BONUS = 0.05
# Below this the best entry is a guess: offer the best few as buttons instead of answering.
# Every question of bench/dev/questions.csv scores 0.62 or more with its best entry; chit-chat
# and gibberish ("whats the weather", "asdf") score under 0.45, and under half of this offers
# no buttons at all.
CLARIFY_BELOW = 0.55
MAX_CHOICES = 3
CLARIFY = "Sorry, I'm not sure which of these you mean:"
# Words that refer back to something named earlier: "how long should I use it?".
POINTING_WORDS = frozenset({"it", "them", "this", "that", "these", "those", "one"})
MEDICINE_ENTRY = "doctor.medicine_questions"
# A new onset that corrects the one an answer was given for: "no wait, it was 4 days ago".
CORRECTION = re.compile(r"\b(wait|hang on|hold on|actually|sorry|i mean|my mistake|correction|oops|scratch that)\b")


class GuidanceAction(StoreAction):
    """Ranks entries with the NLU's ``guidance_ranking`` plus the conversation's context.

    Reads the equipment, body_area, therapy and onset slots. The domain must declare them, the
    ``last_entry`` and ``pending_entry`` slots, and the ``ask_entry`` intent for buttons.
    """

    # Empty: every topic. Abstract (``name`` comes from subclasses), so the action server skips it.
    topics: FrozenSet[Topic] = frozenset()

    def ranked(self, tracker: Tracker) -> List[Tuple[float, Entry]]:
        """Entries the message may ask about, with context bonuses, best first.

        An entry whose onset window excludes a known onset is dropped; one that needs an
        unknown onset stays (answering it asks for the onset first).
        """
        now = self.mentioned(tracker)
        before = {k: v for k, v in self.remembered(tracker).items() if k not in now}
        context_bonus = POINTING_CONTEXT_BONUS if self.refers_back(tracker) and not now else CONTEXT_BONUS
        hours = self.onset_hours(tracker)
        scored = []
        for item in tracker.latest_message.get(RANKING) or []:
            entry = self.store.get(str(item.get("id")))
            if entry is None or (self.topics and entry.topic not in self.topics):
                continue
            if hours is not None and not entry.fits(hours):
                continue
            score = float(item.get("score") or 0.0)
            score += sum(NAMED_BONUS[k] for k, v in now.items() if v in getattr(entry.applies_to, k))
            score += sum(context_bonus for k, v in before.items() if v in getattr(entry.applies_to, k))
            score += ONSET_BONUS * (entry.needs_onset and hours is not None)
            scored.append((score, entry))
        scored.sort(key=lambda pair: pair[0], reverse=True)
        return scored

    @staticmethod
    def refers_back(tracker: Tracker) -> bool:
        """Whether the message points at something said before ("it", "them") or is a short follow-up."""
        words = re.findall(r"[a-z']+", (tracker.latest_message.get("text") or "").lower())
        return bool(set(words) & POINTING_WORDS) or len(words) <= SHORT_FOLLOW_UP_WORDS

    def clarify(self, dispatcher: CollectingDispatcher, choices: List[Entry]) -> List[EventType]:
        """Offer the likely entries as buttons, or say what the bot can help with."""
        if choices:
            dispatcher.utter_message(text=CLARIFY, buttons=[entry_button(e) for e in choices[:MAX_CHOICES]])
        else:
            dispatcher.utter_message(response="utter_out_of_scope")
        return []


class ActionAnswerGuidance(GuidanceAction):
    """Answers any self-care question with the entry that fits it and the conversation best.

    Also answers the ``pending_entry`` once the onset form is done. A short reply without a
    number to "how is your back today, 0–10?" gets that question again. When the best score is a
    guess, offers the best few entries as buttons; when the question points at equipment
    ("how long should I use it?") and none has been named, asks which one.
    """

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_answer_guidance"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Answer the pending entry, else the best-ranked one, else ask."""
        # Before any other reading of the message: it may be a warning sign for an age said earlier.
        escalated = self.escalate_for_age(dispatcher, tracker)
        if escalated is not None:
            return escalated
        pending = self.store.get(tracker.get_slot(names.PENDING_ENTRY) or "")
        if pending is not None:
            return self.answer(dispatcher, tracker, pending)
        if reask_if_replying(dispatcher, tracker):
            return []
        corrected = self.corrected_onset(tracker)
        if corrected is not None:
            return self.answer(dispatcher, tracker, corrected)
        if tracker.latest_message.get("intent", {}).get("name") == names.INFORM_ONSET:
            dispatcher.utter_message(response=names.UTTER_ONSET_NOTED)
            return []
        recalled = self.recalled(tracker)
        if recalled is not None:
            return self.answer(dispatcher, tracker, recalled)
        ranked = self.ranked(tracker)
        if not ranked or ranked[0][0] < CLARIFY_BELOW:
            return self.clarify(dispatcher, [e for s, e in ranked if s >= CLARIFY_BELOW / 2])
        best = ranked[0][1]
        if self.points_at_unnamed_equipment(tracker, best):
            return self.ask_which_equipment(dispatcher, tracker)
        also = self.store.get(str((tracker.latest_message.get(ALSO) or {}).get("id")))
        return self.answer(dispatcher, tracker, best, also)

    def corrected_onset(self, tracker: Tracker) -> Optional[Entry]:
        """The last answer again, when this message gives a new onset for it (a correction).

        Only when the last answer depended on the onset, and the message names an onset and
        either is just an onset or reads as a correction; a new question that names an onset
        is ranked like any other.
        """
        last = self.store.get(tracker.get_slot(names.LAST_ENTRY) or "")
        names_onset = any(e.get("entity") == names.ONSET for e in tracker.latest_message.get("entities") or [])
        if last is None or not names_onset or not self.store.depends_on_onset(last):
            return None
        text = (tracker.latest_message.get("text") or "").lower()
        just_onset = tracker.latest_message.get("intent", {}).get("name") == names.INFORM_ONSET
        return last if just_onset or CORRECTION.search(text) else None

    def recalled(self, tracker: Tracker) -> Optional[Entry]:
        """An earlier answer the message asks for again, or None when it asks nothing of the kind."""
        kind = tracker.latest_message.get(recall.RECALL)
        said = [e for e in (self.store.get(i) for i in tracker.get_slot(names.SAID_ENTRIES) or []) if e]
        if not said or kind is None:
            return None
        if kind == recall.FIRST:
            return said[0]
        # "The other one" is not the last answer; "the other one, about getting up?" says which.
        candidates = said[:-1] if kind == recall.OTHER and len(said) > 1 else said
        text = tracker.latest_message.get("text") or ""
        scores = {i.get("id"): float(i.get("score") or 0) for i in tracker.latest_message.get(RANKING) or []}
        words = self.store.scores(text)
        best = max(candidates, key=lambda e: (scores.get(e.id, 0.0), words.get(e.id, 0.0)))
        if kind == recall.OTHER and not (recall.names_subject(text) and words.get(best.id)):
            return candidates[-1]
        return best if scores.get(best.id) or words.get(best.id) else None

    def points_at_unnamed_equipment(self, tracker: Tracker, best: Entry) -> bool:
        """Whether the question points at equipment ("use it") when none was named, now or before."""
        words = set(re.findall(r"[a-z]+", (tracker.latest_message.get("text") or "").lower()))
        known = {**self.remembered(tracker), **self.mentioned(tracker)}
        return best.topic == Topic.EQUIPMENT and names.EQUIPMENT not in known and bool(words & POINTING_WORDS)

    def ask_which_equipment(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        """Buttons that ask the same question about each piece of equipment."""
        text = tracker.latest_message.get("text") or ""
        buttons = [
            {"title": words[0].capitalize(), "payload": f"{text} ({words[0]})"}
            for words in self.store.vocabulary.equipment.values()
        ]
        dispatcher.utter_message(text="Which equipment do you mean?", buttons=buttons)
        return []


class ActionAnswerMedicine(GuidanceAction):
    """Answers medicine questions from the medicine entries only: kinds, never names with doses.

    Every such entry sends the person to a pharmacist or GP; with nothing specific, the general
    medicine entry says so.
    """

    topics = frozenset({Topic.MEDICINE})

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_answer_medicine"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Give the best medicine entry, or the general one."""
        ranked = self.ranked(tracker)
        entry: Optional[Entry] = ranked[0][1] if ranked and ranked[0][0] >= CLARIFY_BELOW else None
        entry = entry or self.store.get(MEDICINE_ENTRY)
        if entry is None:
            raise LookupError(f"guidance has no {MEDICINE_ENTRY!r} entry")
        return self.answer(dispatcher, tracker, entry)
