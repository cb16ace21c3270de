"""ActionSessionStart: the disclaimer at the start of every session, and the slots carried over."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.session import ActionSessionStart

PREVIOUS_SESSION: List[Dict[str, Any]] = [
    {"event": "action", "name": "action_session_start"},
    {"event": "session_started"},
    {"event": "slot", "name": "equipment", "value": "foam roller"},
    {"event": "slot", "name": "requested_slot", "value": "onset"},
    {"event": "slot", "name": "last_entry", "value": "heat_ice.onset_unknown"},
    {"event": "slot", "name": "last_entry", "value": "equipment.foam_roller_basics"},
]


def tracker() -> Tracker:
    slots = {"equipment": "foam roller", "requested_slot": "onset", "last_entry": "equipment.foam_roller_basics"}
    return Tracker("test-user", slots, {}, PREVIOUS_SESSION, False, None, {}, "action_listen")


async def test_says_the_disclaimer_and_carries_slots_over(domain: Dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionSessionStart().run(dispatcher, tracker(), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_disclaimer"]
    assert "not a doctor" in domain["responses"]["utter_disclaimer"][0]["text"]
    assert events == [
        SessionStarted(),
        SlotSet("equipment", "foam roller"),
        SlotSet("last_entry", "equipment.foam_roller_basics"),
        ActionExecuted("action_listen"),
    ]


async def test_carries_nothing_when_the_domain_says_not_to(domain: Dict[str, Any]) -> None:
    no_carry = {**domain, "session_config": {**domain["session_config"], "carry_over_slots_to_new_session": False}}
    events = await ActionSessionStart().run(CollectingDispatcher(), tracker(), no_carry)
    assert events == [SessionStarted(), ActionExecuted("action_listen")]
