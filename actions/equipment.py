"""Answers about equipment: foam roller, massage balls, acupressure mat, massager, topper, towel."""

import re
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.base import TopicAction
from backcare.store import Topic

# Words that refer back to something named earlier: "how long should I use it?".
POINTING_WORDS = frozenset({"it", "them", "this", "that", "these", "those", "one"})


class ActionAnswerEquipment(TopicAction):
    """Answers how to use a piece of equipment: how long, where, how hard.

    Reads the equipment slot, so "how long should I use it?" after "I bought an acupressure
    mat" is about the mat. When the question points at something ("it", "them") and no
    equipment has been named yet, asks which one is meant.
    """

    action_name = "action_answer_equipment"
    topics = (Topic.EQUIPMENT, Topic.MASSAGE, Topic.POSTURE, Topic.SLEEP)

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Answer about the equipment named now or earlier, or ask which one."""
        words = set(re.findall(r"[a-z]+", (tracker.latest_message.get("text") or "").lower()))
        known = {**self.remembered(tracker), **self.mentioned(tracker)}
        if names.EQUIPMENT not in known and words & POINTING_WORDS:
            dispatcher.utter_message(
                text="Which equipment do you mean?",
                buttons=[
                    {"title": words[0].capitalize(), "payload": f'/ask_equipment{{"equipment": "{words[0]}"}}'}
                    for words in self.store.vocabulary.equipment.values()
                ],
            )
            return []
        return await super().run(dispatcher, tracker, domain)
