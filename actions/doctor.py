"""Answers about seeing a doctor, and medicine questions (which go to a pharmacist or doctor)."""

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.base import StoreAction, TopicAction
from backcare.store import Topic

MEDICINE_ENTRY = "doctor.medicine_questions"


class ActionAnswerDoctor(TopicAction):
    """Answers when to book a doctor or physiotherapist and what they can help with."""

    action_name = "action_answer_doctor"
    topics = (Topic.DOCTOR, Topic.PAIN)


class ActionAnswerMedicine(StoreAction):
    """Answers any medicine question the same way: no names or doses, ask a pharmacist or doctor."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_answer_medicine"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Give the medicine entry; it never names a medicine or a dose."""
        entry = self.store.get(MEDICINE_ENTRY)
        if entry is None:
            raise LookupError(f"guidance has no {MEDICINE_ENTRY!r} entry")
        return self.answer(dispatcher, tracker, entry)
