"""Checks the onset form's answer: when the pain started."""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import names
from backcare import correction
from backcare.guidance_loader import get_store
from backcare.guidance_schema import Entry
from backcare.onset import UNKNOWN, hours_since
from backcare.ranking import RANKING
from backcare.store import GuidanceStore

# Intents that ask a question of their own rather than answer "when did it start?".
QUESTION_INTENTS = ("ask_guidance", "ask_medicine")
# The classifier reads many asides as ``ask_guidance``; only one that fits some entry this well
# (the answering action's clarify threshold) asks a question of its own.
NEW_QUESTION_FROM = 0.55


class ValidateOnsetForm(FormValidationAction):
    """Checks the answer to "when did the pain start?" can be read as a time.

    A new question instead of an answer ("anyway, how do I lift my toddler?") is not made to
    wait: when its answer does not depend on the onset, the form ends and the answering rule
    answers it (the question the form asked for is dropped); when it does, the form goes on
    asking, for the new question.
    """

    def __init__(self, store: Optional[GuidanceStore] = None) -> None:
        self._store = store

    @property
    def store(self) -> GuidanceStore:
        """The store the new question is looked up in."""
        if self._store is None:
            self._store = get_store()
        return self._store

    def name(self) -> Text:
        """The form validation action's name in the domain."""
        return "validate_onset_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Validate the onset, or make room for a new question."""
        question = self.new_question(tracker)
        if question is None:
            return await super().run(dispatcher, tracker, domain)
        if self.store.depends_on_onset(question):
            return [SlotSet(names.PENDING_ENTRY, question.id), *await super().run(dispatcher, tracker, domain)]
        return [SlotSet(names.PENDING_ENTRY, None), SlotSet(names.REQUESTED_SLOT, None)]

    def new_question(self, tracker: Tracker) -> Optional[Entry]:
        """The entry a message that asks something else, instead of giving the onset, is about."""
        latest = tracker.latest_message or {}
        # Before the form has asked, the message is the question it is asking for.
        if tracker.get_slot(names.REQUESTED_SLOT) != names.ONSET:
            return None
        if (latest.get("intent") or {}).get("name") not in QUESTION_INTENTS:
            return None
        if any(e.get("entity") == names.ONSET for e in latest.get("entities") or []):
            return None
        best = next(iter(latest.get(RANKING) or []), None)
        # "lol ok" or "hang on, kettle's boiling" asks nothing: the form keeps waiting for the onset.
        if best is None or float(best.get("score") or 0.0) < NEW_QUESTION_FROM:
            return None
        return self.store.get(str(best.get("id")))

    def validate_onset(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Keep the onset if it parses (or is "unknown"); otherwise ask again.

        Of several times in the answer ("a few hours ago, not a week") the one it means is kept,
        not the last one, which Rasa's slot mapping picked.
        """
        latest = tracker.latest_message or {}
        text = latest.get("text") or ""
        onsets = [e for e in latest.get("entities") or [] if e.get("entity") == names.ONSET]
        # "It was sunday, today's thursday": the day said is counted back from the day it is now,
        # which the entities read as "today".
        spoken = correction.spoken_onsets(text, onsets)
        if len(onsets) > 1 or spoken != onsets:
            value = correction.corrected_value(text, spoken) or value
        if value == UNKNOWN or hours_since(str(value)) is not None:
            return {names.ONSET: value}
        dispatcher.utter_message(text="Sorry, I didn't catch when it started.")
        return {names.ONSET: None}
