"""Low-confidence answers: "did you mean ...?" buttons instead of a wrong answer."""

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import StoreAction, entry_button

# Intents worth offering, with the button title a person sees.
TOPIC_TITLES: Dict[str, str] = {
    "ask_pain": "Easing back pain",
    "ask_heat_ice": "Heat or ice",
    "ask_equipment": "Equipment",
    "ask_massage": "Self-massage",
    "ask_exercise": "Exercise",
    "ask_posture": "Posture",
    "ask_sleep": "Sleep",
    "ask_recovery": "After a massage",
    "ask_doctor": "When to see a doctor",
    "ask_medicine": "Medicines",
    "ask_capabilities": "What I can do",
}
FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_INTENT = "out_of_scope"
UTTER_OUT_OF_SCOPE = "utter_out_of_scope"
MAX_CHOICES = 3
# A free-text match this strong (BM25) names a specific question worth offering.
MIN_SEARCH_SCORE = 6.0
# Below this the classifier is guessing; offering such a topic would be noise.
MIN_CONFIDENCE = 0.1
QUESTION = "Sorry, I'm not sure I understood. Did you mean one of these?"


def choices(intent_ranking: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The up to three most likely topic intents worth offering, best first.

    Empty when nothing is plausible, or when the best real guess is that the message is out of
    scope: then a topic list would be a wrong answer in disguise.
    """
    ranking = [r for r in intent_ranking if r.get("name") != FALLBACK_INTENT]
    if not ranking or ranking[0].get("name") == OUT_OF_SCOPE_INTENT:
        return []
    plausible = [
        r for r in ranking if r.get("name") in TOPIC_TITLES and float(r.get("confidence") or 0) >= MIN_CONFIDENCE
    ]
    return plausible[:MAX_CHOICES]


class ActionClarify(StoreAction):
    """Answers a message the assistant did not understand well enough (NLU fallback).

    Offers buttons for the guidance questions a free-text search finds closest to the message
    (payload ``/ask_entry{"entry_id": ...}``), else for the two or three most likely topics from
    the intent ranking (payload ``/<intent>``); if neither is plausible, says what it can help
    with (``utter_out_of_scope``, with topic buttons). Sets no slots.
    """

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Offer the likely topics, or the out-of-scope answer."""
        text = str((tracker.latest_message or {}).get("text") or "")
        hits = [m.entry for m in self.store.search(text, limit=MAX_CHOICES) if m.score >= MIN_SEARCH_SCORE]
        if hits:
            dispatcher.utter_message(text=QUESTION, buttons=[entry_button(e) for e in hits])
            return []
        offered = choices((tracker.latest_message or {}).get("intent_ranking") or [])
        if not offered:
            dispatcher.utter_message(response=UTTER_OUT_OF_SCOPE)
            return []
        buttons = [{"title": TOPIC_TITLES[r["name"]], "payload": f"/{r['name']}"} for r in offered]
        dispatcher.utter_message(text=QUESTION, buttons=buttons)
        return []
