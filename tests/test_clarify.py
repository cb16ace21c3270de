"""ActionClarify: "did you mean ...?" buttons for unclear messages, or what the bot can help with."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import QUESTION, TOPIC_TITLES, ActionClarify
from backcare.store import GuidanceStore


def tracker(ranking: List[Dict[str, Any]]) -> Tracker:
    latest = {"text": "hmm the thing", "intent": ranking[0] if ranking else {}, "intent_ranking": ranking,
              "entities": []}
    return Tracker("test-user", {}, latest, [], False, None, {}, "action_listen")


def rank(*pairs: Any) -> List[Dict[str, Any]]:
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


async def clarify(ranking: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    assert await ActionClarify().run(dispatcher, tracker(ranking), {}) == []
    return dispatcher.messages


async def test_offers_the_three_most_likely_topics() -> None:
    (message,) = await clarify(rank(("nlu_fallback", 0.45), ("ask_heat_ice", 0.3), ("greet", 0.25),
                                    ("ask_massage", 0.2), ("ask_posture", 0.12), ("ask_sleep", 0.11)))
    assert message["text"] == QUESTION
    assert message["buttons"] == [
        {"title": "Heat or ice", "payload": "/ask_heat_ice"},
        {"title": "Self-massage", "payload": "/ask_massage"},
        {"title": "Posture", "payload": "/ask_posture"},
    ]


async def test_skips_topics_the_classifier_barely_considered() -> None:
    (message,) = await clarify(rank(("nlu_fallback", 0.45), ("ask_exercise", 0.4), ("ask_sleep", 0.05)))
    assert message["buttons"] == [{"title": "Exercise", "payload": "/ask_exercise"}]


@pytest.mark.parametrize(
    "ranking",
    [
        rank(("nlu_fallback", 0.45), ("out_of_scope", 0.4), ("ask_heat_ice", 0.3)),
        rank(("nlu_fallback", 0.45), ("greet", 0.4), ("ask_heat_ice", 0.05)),
        rank(("nlu_fallback", 0.45)),
        [],
    ],
)
async def test_nothing_plausible_gets_the_out_of_scope_answer(ranking: List[Dict[str, Any]]) -> None:
    (message,) = await clarify(ranking)
    assert message["response"] == "utter_out_of_scope"
    assert not message["buttons"]


def test_every_offered_intent_and_response_is_in_the_domain(domain: Dict[str, Any]) -> None:
    assert set(TOPIC_TITLES) <= set(domain["intents"])
    assert "utter_out_of_scope" in domain["responses"]
    assert "action_clarify" in domain["actions"]


async def test_a_close_free_text_match_offers_those_questions(store: GuidanceStore) -> None:
    dispatcher = CollectingDispatcher()
    latest = {"text": "lacrosse ball on the spine or next to it", "intent": {"name": "nlu_fallback"},
              "intent_ranking": rank(("nlu_fallback", 0.4), ("ask_equipment", 0.3)), "entities": []}
    unclear = Tracker("test-user", {}, latest, [], False, None, {}, "action_listen")
    assert await ActionClarify(store).run(dispatcher, unclear, {}) == []
    [message] = dispatcher.messages
    assert message["text"] == QUESTION
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads and all(p.startswith('/ask_entry{"entry_id": "') for p in payloads)
    assert '/ask_entry{"entry_id": "equipment.ball_where"}' in payloads
