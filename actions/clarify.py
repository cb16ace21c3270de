"""Low-confidence answers: "did you mean ...?" buttons instead of a wrong answer, and the topics list."""

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.guidance_action import OFFER_FROM, GuidanceAction
from actions.pain_question import reask_if_replying

OUT_OF_SCOPE_INTENT = "out_of_scope"
FALLBACK_INTENT = "nlu_fallback"


class ActionClarify(GuidanceAction):
    """Answers a message the NLU did not understand well enough (``nlu_fallback``).

    Offers buttons for the guidance entries the ranker finds closest to the message (payload
    ``/ask_entry{"entry_id": ...}``). When nothing is close, or the best real guess is that the
    message is out of scope, says what it can help with (``utter_out_of_scope``). A short reply
    to "how is your back today, 0–10?" gets that question again instead, and one right after an
    escalation gets the escalation again. Sets no slots.
    """

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Offer the likely entries, or the out-of-scope answer."""
        escalated = self.escalate_for_age(dispatcher, tracker)
        if escalated is not None:
            return escalated
        if reask_if_replying(dispatcher, tracker):
            return []
        ranking = [r for r in tracker.latest_message.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
        if ranking and ranking[0].get("name") == OUT_OF_SCOPE_INTENT:
            return self.clarify(dispatcher, tracker, [])
        return self.clarify(dispatcher, tracker, [e for score, e in self.ranked(tracker) if score >= OFFER_FROM])


class ActionCapabilities(GuidanceAction):
    """Answers "what can you do?" with the topics the bot covers (``utter_capabilities``).

    Right after an escalation, "ok so what do I do" or "help me" asks what to do about it, not
    what the bot covers: the escalation is said again instead. Sets no slots.
    """

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_capabilities"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """The topics list, or the escalation again."""
        if not self.repeat_escalation(dispatcher, tracker):
            dispatcher.utter_message(response="utter_capabilities")
        return []
