"""ActionClarify and ActionCapabilities: "did you mean ...?" buttons, or what the bot can help with."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import ActionCapabilities, ActionClarify
from actions.guidance_action import CLARIFY
from backcare.ranking import GuidanceIndex
from backcare.store import GuidanceStore


def unclear(index: GuidanceIndex, text: str, *ranking: Any) -> Tracker:
    latest = {"text": text, "intent": {"name": "nlu_fallback"},
              "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking], "entities": [],
              "guidance_ranking": [s.to_json() for s in index.rank(text)]}
    return Tracker("test-user", {}, latest, [], False, None, {}, "action_listen")


async def clarify(store: GuidanceStore, tracker: Tracker) -> List[Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    assert await ActionClarify(store).run(dispatcher, tracker, {}) == []
    return dispatcher.messages


async def test_a_close_match_offers_those_questions(store: GuidanceStore, index: GuidanceIndex) -> None:
    tracker = unclear(index, "lacrosse ball on the spine or next to it", ("nlu_fallback", 0.4), ("ask_guidance", 0.3))
    [message] = await clarify(store, tracker)
    assert message["text"] == CLARIFY
    payloads = [b["payload"] for b in message["buttons"]]
    assert 1 <= len(payloads) <= 3 and all(p.startswith('/ask_entry{"entry_id": "') for p in payloads)
    assert '/ask_entry{"entry_id": "equipment.ball_where"}' in payloads


@pytest.mark.parametrize(
    ("text", "ranking"),
    [
        ("what's the weather in paris", [("nlu_fallback", 0.45), ("out_of_scope", 0.4)]),
        ("zzzz qqqq", [("nlu_fallback", 0.45)]),
    ],
)
async def test_nothing_plausible_gets_the_out_of_scope_answer(
    store: GuidanceStore, index: GuidanceIndex, text: str, ranking: List[Any]
) -> None:
    [message] = await clarify(store, unclear(index, text, *ranking))
    assert message["response"] == "utter_out_of_scope"
    assert not message["buttons"]


def test_the_scope_answer_and_the_action_are_in_the_domain(domain: Dict[str, Any]) -> None:
    assert "utter_out_of_scope" in domain["responses"]
    assert "action_clarify" in domain["actions"]


def asks_capabilities(text: str, escalated: Dict[str, Any] | None) -> Tracker:
    """A tracker whose latest message ``text`` reads as ``ask_capabilities``, after a bot turn with ``escalated``."""
    latest = {"text": text, "intent": {"name": "ask_capabilities"}, "entities": []}
    events = [
        {"event": "user", "text": "first message", "parse_data": {}},
        {"event": "bot", "text": "...", "metadata": escalated or {"entry_id": "pain.ordinary_back_pain"}},
        {"event": "user", "text": text, "parse_data": latest},
    ]
    return Tracker("test-user", {}, latest, events, False, None, {}, "action_listen")


async def test_what_can_you_do_lists_the_topics(store: GuidanceStore) -> None:
    dispatcher = CollectingDispatcher()
    assert await ActionCapabilities(store).run(dispatcher, asks_capabilities("what can you do", None), {}) == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_capabilities"


async def test_what_do_i_do_right_after_an_escalation_gets_it_again(store: GuidanceStore) -> None:
    dispatcher = CollectingDispatcher()
    escalated = {"red_flag_tier": "emergency", "red_flag_signs": ["saddle_numbness"]}
    await ActionCapabilities(store).run(dispatcher, asks_capabilities("ok so what do i do", escalated), {})
    [message] = dispatcher.messages
    assert message["red_flag_tier"] == "emergency" and "not a doctor" in message["text"]
    assert message.get("response") != "utter_capabilities"


def test_the_capabilities_action_answers_its_intent(domain: Dict[str, Any]) -> None:
    assert "action_capabilities" in domain["actions"]


async def test_a_message_that_only_says_who_it_is_for_is_acknowledged(
    store: GuidanceStore, index: GuidanceIndex
) -> None:
    [message] = await clarify(store, unclear(index, "my stepdad is 66", ("out_of_scope", 0.6)))
    assert message["text"] == "OK, advice for your stepdad. What would you like to know?"
