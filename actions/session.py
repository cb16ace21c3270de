"""The start of every conversation session."""

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import names

ACTION_LISTEN = "action_listen"


class ActionSessionStart(Action):
    """Starts each session with the one-line note that this is an information assistant, not a doctor.

    Like Rasa's default session start, it carries the previous session's slots over when
    ``session_config.carry_over_slots_to_new_session`` in the domain says so (what the person
    was talking about stays known), except ``requested_slot``: no form is active in a new
    session.
    """

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_session_start"

    @staticmethod
    def carried_slots(tracker: Tracker) -> List[EventType]:
        """SlotSet events for the slots the previous session set, last value wins."""
        values = {}
        for event in tracker.applied_events():
            if event.get("event") == "slot" and event.get("name") != names.REQUESTED_SLOT:
                values[event["name"]] = event.get("value")
        return [SlotSet(name, value) for name, value in values.items()]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Start the session, say the disclaimer, carry slots over, then listen."""
        events: List[EventType] = [SessionStarted()]
        if (domain.get("session_config") or {}).get("carry_over_slots_to_new_session", True):
            events.extend(self.carried_slots(tracker))
        dispatcher.utter_message(response=names.UTTER_DISCLAIMER)
        events.append(ActionExecuted(ACTION_LISTEN))
        return events
