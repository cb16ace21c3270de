"""The one action that answers self-care questions, and the one for medicine questions."""

import re
from typing import Any, Dict, List, Optional, Set, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.base import KINDS
from actions.guidance_action import CLARIFY_BELOW, OFFER_FROM, POINTING_WORDS, VAGUE_BELOW, GuidanceAction
from actions.history import asked_question, escalated_last_turn, referents
from actions.pain_question import reask_if_replying
from backcare import correction, english, recall, subject
from backcare.onset import hours_since
from backcare.ranking import ALSO, RANKING
from backcare.store import Entry, Topic

# A message that names an onset and scores this well with an entry that does not depend on it
# asks a new question rather than correcting the onset (corrections alone score under 0.6).
NEW_QUESTION_ABOVE = 0.75
# A recall whose named subject fits an entry never said this much better than every answer
# said asks that question, not for an earlier answer.
RECALL_MARGIN = 0.15
# Last words of equipment names that name no kind of equipment alone ("roll on it", "a device").
NOT_EQUIPMENT_NOUNS = frozenset({"roll", "device"})
# "Which equipment?" only when an entry about other equipment scores this close to the best.
WHICH_EQUIPMENT_MARGIN = 0.1
# A remark between questions ("lol ok", "hang on, kettle's boiling", "my cat loves it"): it asks
# nothing and fits no entry even as well as chit-chat does (under 0.45, see CLARIFY_BELOW), so it
# gets a short reply and leaves what the conversation is about as it was.
ASIDE_BELOW = 0.45
ASIDE = "OK. Ask me whenever you're ready."
# A short follow-up that asks whether what was just discussed holds ("is she right though?",
# "so is that true?", "are they wrong?"): it is about the last answer, which is said again.
_ASKS_IF_RIGHT = re.compile(
    r"^\W*(?:so|and|but|ok|okay)?\W*(?:is|are|was|were)\s+(?:he|she|they|that|this|it|my\s+\w+)\s+"
    r"(?:really\s+)?(?:right|wrong|correct|true)\b(?:\W+(?:then|though|tho|or not|about that))*\W*$"
)
# "My back has been killing me since yesterday": a pain told, nothing asked, nothing named that an
# entry is about. Entries on several topics then score about the same (the best three within
# FLAT_MARGIN; a question has a clear winner, "my back aches after sitting all day" a clear topic),
# and the best is chance ("tell your midwife"): the advice on everyday back pain is the answer.
FLAT_MARGIN = 0.08
TOLD_PAIN_ENTRY = "pain.ordinary_back_pain"
_PAIN_WORDS = re.compile(
    r"\b(?:pain\w*|hurt\w*|sore|aches?|aching|achy|killing|agony|stiff\w*|twinge\w*|spasm\w*|tweak\w*|pulled|strain\w*"
    r"|(?:put|did|done|ricked|cricked) (?:my|his|her|their) back|(?:back|it) (?:went|has gone|'s gone|is playing up))\b"
)
# "What should she do?", "so what do I do now?": asked of a back pain with nothing more said, the
# same everyday advice.
_WHAT_TO_DO = re.compile(
    r"^\W*(?:(?:so|ok|okay|and|but|well|right)\W+)*(?:what|wat|wot)\s+(?:should|can|do|shall|could|would|must)\s+"
    r"(?:i|she|he|they|we|u|you)\s+(?:do|try)(?:\s+(?:now|then|about it|about this|for it|for this|next|instead))?\W*$"
)
# After the general heat-or-ice rule, when the person cannot say when the pain started.
GENERAL_RULE_STANDS = "That's fine: go by the rule above, and if in doubt, leave heat off and use a wrapped cold pack."


class ActionAnswerGuidance(GuidanceAction):
    """Answers any self-care question with the entry that fits it and the conversation best.

    Also answers the ``pending_entry`` once the onset form is done. A short reply without a
    number to "how is your back today, 0–10?" gets that question again. When the best score is a
    guess, offers the best few entries as buttons; when the question points at equipment
    ("how long should I use it?") and none has been named, asks which one. A correction of the
    onset ("no wait, it was 3 days ago") answers the question asked before again, for the onset
    it means, and sets the ``onset`` slot to it; "what was that about X again?" says an earlier
    answer again, and "is he right?" the last one.
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
            general = self.store.for_onset(pending, None)
            if general.id == tracker.get_slot(names.LAST_ENTRY) and hours_since(tracker.get_slot(names.ONSET)) is None:
                # The general rule was just said and the onset is still unknown: not said twice.
                dispatcher.utter_message(text=GENERAL_RULE_STANDS)
                return [SlotSet(names.PENDING_ENTRY, None)]
            return self.answer(dispatcher, tracker, pending)
        if reask_if_replying(dispatcher, tracker):
            return []
        corrected = self.corrected_onset(tracker)
        if corrected is not None:
            return self.answer(dispatcher, tracker, corrected[0], onset=corrected[1])
        swapped = self.corrected_thing(tracker)
        if swapped is not None:
            return self.answer(dispatcher, tracker, swapped)
        if tracker.latest_message.get("intent", {}).get("name") == names.INFORM_ONSET:
            dispatcher.utter_message(response=names.UTTER_ONSET_NOTED)
            return []
        recalled = self.recalled(tracker)
        if recalled is not None:
            return self.answer(dispatcher, tracker, recalled)
        last = self.store.get(tracker.get_slot(names.LAST_ENTRY) or "")
        if last is not None and _ASKS_IF_RIGHT.match((tracker.latest_message.get("text") or "").lower()):
            return self.answer(dispatcher, tracker, last)
        if self.aside(tracker):
            dispatcher.utter_message(text=ASIDE)
            return []
        told = self.store.get(TOLD_PAIN_ENTRY)
        if told is not None and self.tells_pain_only(tracker):
            return self.answer(dispatcher, tracker, told)
        ranked = self.ranked(tracker)
        if not ranked or ranked[0][0] < CLARIFY_BELOW:
            return self.clarify(dispatcher, tracker, [e for s, e in ranked if s >= OFFER_FROM])
        best = ranked[0][1]
        if self.points_at_unnamed_equipment(tracker, ranked):
            return self.ask_which_equipment(dispatcher, tracker)
        also = self.store.get(str((tracker.latest_message.get(ALSO) or {}).get("id")))
        if also is not None and also.id == best.id:
            # The NLU named the second question against its own best entry; the conversation's
            # bonuses chose that second one, so the question still waiting is the NLU's first.
            also = self.store.get(str((tracker.latest_message.get(RANKING) or [{}])[0].get("id")))
        return self.answer(dispatcher, tracker, best, also)

    def aside(self, tracker: Tracker) -> bool:
        """Whether the message is a remark that asks nothing: no question, nothing named, no person, no fit.

        Right after an escalation it is not: a vague message then asks about the escalation.
        """
        message = tracker.latest_message
        text = message.get("text") or ""
        top = max((float(i.get("score") or 0.0) for i in message.get(RANKING) or []), default=0.0)
        return (
            top < ASIDE_BELOW
            and not english.is_question(text)
            and not [e for e in message.get("entities") or [] if e.get("entity") in (*KINDS, names.ONSET)]
            and subject.mentioned_person(text) is None
            and escalated_last_turn(tracker) is None
        )

    def tells_pain_only(self, tracker: Tracker) -> bool:
        """Whether the message tells of a pain, or asks what to do, and nothing an entry answers better than the rest.

        Not when it names equipment or a therapy, nor right after an escalation (a vague message
        then asks about the escalation).
        """
        message = tracker.latest_message
        text = (message.get("text") or "").lower()
        ranking = sorted(message.get(RANKING) or [], key=lambda i: -float(i.get("score") or 0.0))[:3]
        scores = [float(i.get("score") or 0.0) for i in ranking]
        topics = {entry.topic for entry in (self.store.get(str(i.get("id"))) for i in ranking) if entry is not None}
        flat = len(scores) == 3 and scores[0] - scores[2] < FLAT_MARGIN and len(topics) > 1
        told = flat and _PAIN_WORDS.search(text) is not None and not english.is_question(text)
        return (
            (told or _WHAT_TO_DO.match(text) is not None)
            and not [e for e in message.get("entities") or [] if e.get("entity") in (names.EQUIPMENT, names.THERAPY)]
            and escalated_last_turn(tracker) is None
        )

    def corrected_onset(self, tracker: Tracker) -> Optional[Tuple[Entry, str]]:
        """The question asked before, answered again for the onset this message corrects it to.

        Only when the last answer depended on the onset, and the message names an onset and
        either is just an onset or reads as a correction; a correction in words after an answer
        on something else is for the last answer that did depend on it. A new question that names an onset
        is ranked like any other. Returns the entry and the corrected onset, which is the time
        the correction means (:mod:`backcare.correction`), not the last one it names. The entry
        is the best one for the question that was asked ("is a hot bath ok?"), not the variant
        said for the old onset ("no heat in the first 48 hours").
        """
        last = self.store.get(tracker.get_slot(names.LAST_ENTRY) or "")
        text = tracker.latest_message.get("text") or ""
        onsets = correction.spoken_onsets(
            text, [e for e in tracker.latest_message.get("entities") or [] if e.get("entity") == names.ONSET]
        )
        if last is None or not onsets:
            return None
        just_onset = tracker.latest_message.get("intent", {}).get("name") == names.INFORM_ONSET
        corrects = correction.is_correction(text, onsets)
        if not self.store.depends_on_onset(last):
            # "What about stretching?" in between: a correction in words ("I said an hour, I meant
            # four days") is still about the last answer that depended on the onset.
            said = [self.store.get(i) for i in tracker.get_slot(names.SAID_ENTRIES) or []]
            last = next((e for e in reversed(said) if e and self.store.depends_on_onset(e)), None) if corrects else None
            if last is None:
                return None
        if not (just_onset or corrects) or self.asks_anew(tracker):
            return None
        value = correction.corrected_value(text, onsets)
        hours = hours_since(value)
        if value is None or hours is None:
            return None
        return self.asked_again(tracker, last), value

    def corrected_thing(self, tracker: Tracker) -> Optional[Entry]:
        """The question asked before, about the thing this message corrects it to, or None.

        "How hard should I press with my tennis ball?", then "no wait, not the tennis ball, the
        massage gun": the same question about the massage gun. Only for a correction that asks
        nothing itself and names a thing (not taken back) the last answer was not about; the
        answer is the entry about that thing that fitted the earlier question best.
        """
        last = self.store.get(tracker.get_slot(names.LAST_ENTRY) or "")
        text = tracker.latest_message.get("text") or ""
        if last is None or english.is_question(text) or not correction.is_correction(text):
            return None
        named = [e for e in tracker.latest_message.get("entities") or [] if e.get("entity") in KINDS]
        things = [(str(e["entity"]), self.store.canonical(str(e["entity"]), str(e.get("value") or "")))
                  for e in correction.kept(text, named)]
        new = [(k, v) for k, v in things if v and v not in getattr(last.applies_to, k)]
        question = asked_question(tracker, last.id)
        if not new or question is None:
            return None
        kind, value = new[0]
        earlier = {str(i.get("id")): float(i.get("score") or 0.0) for i in question.get(RANKING) or []}
        about = [e for e in self.store.entries if value in getattr(e.applies_to, kind) and e.id in earlier]
        # An entry on the old thing as well (the overview of every tool) is not the new thing's answer.
        only_new = [e for e in about if not set(getattr(e.applies_to, kind)) & set(getattr(last.applies_to, kind))]
        return max(only_new or about, key=lambda e: earlier[e.id], default=None)

    def asks_anew(self, tracker: Tracker) -> bool:
        """Whether the message is clearly a new question that does not depend on the onset.

        "Actually, can I use a foam roller? It started 3 days ago" asks about the roller; a
        correction alone scores low with every entry.
        """
        best: Dict[str, Any] = next(iter(tracker.latest_message.get(RANKING) or []), {})
        entry = self.store.get(str(best.get("id")))
        return (
            entry is not None
            and float(best.get("score") or 0.0) >= NEW_QUESTION_ABOVE
            and not self.store.depends_on_onset(entry)
        )

    def asked_again(self, tracker: Tracker, last: Entry) -> Entry:
        """The entry that best fits the question ``last`` was said for, whatever the onset.

        Answering it says its variant for the corrected onset: "is a hot bath ok?" is the bath
        entry (after 48 hours) or the no-heat one (before), "heat or ice?" either of those two.
        """
        question = asked_question(tracker, last.id)
        if question is None:
            return last
        # A quick reply names its entry: that was the question.
        for entity in question.get("entities") or []:
            picked = self.store.get(str(entity.get("value"))) if entity.get("entity") == names.ENTRY_ID else None
            if picked is not None:
                return picked
        asked = [e for _, e in self.ranked(tracker, question, fit_onset=False) if self.store.depends_on_onset(e)]
        return asked[0] if asked else last

    def recalled(self, tracker: Tracker) -> Optional[Entry]:
        """An earlier answer the message asks for again, or None when it asks nothing of the kind."""
        kind = tracker.latest_message.get(recall.RECALL)
        said = [e for e in (self.store.get(i) for i in tracker.get_slot(names.SAID_ENTRIES) or []) if e]
        if not said or kind is None:
            return None
        text = tracker.latest_message.get("text") or ""
        ranking = tracker.latest_message.get(RANKING) or []
        scores = {i.get("id"): float(i.get("score") or 0) for i in ranking}
        if kind in recall.ORDINALS:
            nth = said[min(recall.ORDINALS[kind], len(said) - 1)]
            return None if self.never_said(text, ranking, said, nth) else nth
        # "The other one" is not the last answer; "the other one, about getting up?" says which.
        candidates = said[:-1] if kind == recall.OTHER and len(said) > 1 else said
        words = self.store.scores(text)
        best = max(candidates, key=lambda e: (scores.get(e.id, 0.0), words.get(e.id, 0.0)))
        if kind == recall.OTHER and not (recall.names_subject(text) and words.get(best.id)):
            return candidates[-1]
        if self.never_said(text, ranking, said, best):
            return None
        return best if scores.get(best.id) or words.get(best.id) else None

    @staticmethod
    def never_said(text: str, ranking: List[Dict[str, Any]], said: List[Entry], recalled: Entry) -> bool:
        """Whether the subject the recall names was never answered, though it has a clear answer.

        "The first thing you told me, about how long it lasts" after a first turn that escalated
        instead of answering: the question is answered now, rather than another earlier answer.
        """
        top = ranking[0] if ranking else {}
        top_score = float(top.get("score") or 0.0)
        recalled_score = next((float(i.get("score") or 0.0) for i in ranking if i.get("id") == recalled.id), 0.0)
        return (
            recall.names_subject(text)
            and top_score >= CLARIFY_BELOW
            and top.get("id") not in {e.id for e in said}
            and recalled_score < top_score - RECALL_MARGIN
        )

    def points_at_unnamed_equipment(self, tracker: Tracker, ranked: List[Tuple[float, Entry]]) -> bool:
        """Whether the question points at equipment ("use it") when none was named, now or before.

        A kind of equipment named in words the vocabulary lacks ("my spiky ball", "a shakti
        mat") is named: the best entry is about it, and asking which would be a needless turn.
        So is one a clear question fits clearly better than any entry about other equipment ("saw
        a posture corrector on amazon, worth it?"); "how long should I use it?" fits the ball and
        the massage gun alike, and "how do I use it?" fits nothing well: those are asked.
        """
        best_score, best = ranked[0]
        rivals = [s for s, e in ranked[1:] if e.topic == Topic.EQUIPMENT
                  and set(e.applies_to.equipment) != set(best.applies_to.equipment)]
        clear = best_score >= VAGUE_BELOW and (not rivals or best_score - max(rivals) > WHICH_EQUIPMENT_MARGIN)
        if clear:
            return False
        words = set(re.findall(r"[a-z]+", (tracker.latest_message.get("text") or "").lower()))
        # "one of those lumbar pillows": a plural names the kind as well as the singular does.
        words |= {w[:-1] for w in words if w.endswith("s")}
        known = {*self.remembered(tracker), *self.mentioned(tracker)}
        known |= {r.kind for r in referents(tracker, self.store, KINDS)}
        if best.topic != Topic.EQUIPMENT or names.EQUIPMENT in known or words & self.equipment_nouns():
            return False
        return bool(words & POINTING_WORDS)

    def equipment_nouns(self) -> Set[str]:
        """The last words of the vocabulary's names for equipment ("ball", "mat", "topper"), verbs aside."""
        phrases = (p for ps in self.store.vocabulary.equipment.values() for p in ps)
        return {p.split()[-1] for p in phrases} - NOT_EQUIPMENT_NOUNS

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
        entry = entry or self.store.get(names.MEDICINE_ENTRY)
        if entry is None:
            raise LookupError(f"guidance has no {names.MEDICINE_ENTRY!r} entry")
        return self.answer(dispatcher, tracker, entry)
