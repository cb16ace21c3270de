"""ActionClarify: "did you mean ...?" buttons for unclear messages, or what the bot can help with."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import ActionClarify
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
