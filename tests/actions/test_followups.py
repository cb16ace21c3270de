"""Why / tell me more / source / quick-reply picks, answered from the last entry."""

from typing import Any, Dict

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.followups import ActionAnswerEntry, ActionCiteSource, ActionExplainWhy, ActionTellMore
from backcare.ranking import GuidanceIndex
from backcare.store import GuidanceStore
from tests.conftest import make_tracker, said

LAST = {"last_entry": "heat_ice.no_heat_first_48h"}


async def test_why_gives_the_rationale_of_the_last_answer(store: GuidanceStore, domain: Dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    await ActionExplainWhy(store).run(dispatcher, make_tracker("why?", "ask_why", slots=LAST), domain)
    assert said(dispatcher) == store.get("heat_ice.no_heat_first_48h").rationale.lower()


async def test_source_names_title_and_publisher(store: GuidanceStore, domain: Dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    await ActionCiteSource(store).run(dispatcher, make_tracker("source?", "ask_source", slots=LAST), domain)
    source = store.sources["self_massage_article"]
    assert source.title.lower() in said(dispatcher) and "in my own words" in said(dispatcher)


async def test_follow_ups_without_an_earlier_answer_say_so(store: GuidanceStore, domain: Dict[str, Any]) -> None:
    for action in (ActionExplainWhy(store), ActionCiteSource(store), ActionTellMore(store)):
        dispatcher = CollectingDispatcher()
        assert await action.run(dispatcher, make_tracker("why?", "ask_why"), domain) == []
        assert dispatcher.messages[0]["response"] == "utter_no_context"


async def test_tell_more_moves_to_the_first_follow_up(store: GuidanceStore, domain: Dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("tell me more", "ask_more", slots={**LAST, "onset": "5 days ago"})
    events = await ActionTellMore(store).run(dispatcher, tracker, domain)
    follow = store.get("heat_ice.no_heat_first_48h").follow_ups[0]
    assert events == [SlotSet("last_entry", follow), SlotSet("said_entries", [follow])]
    assert dispatcher.messages[0]["entry_id"] == follow


async def test_button_payload_answers_the_named_entry(store: GuidanceStore, domain: Dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("/ask_entry", "ask_entry", [("entry_id", "massage.gluteus_medius")])
    events = await ActionAnswerEntry(store).run(dispatcher, tracker, domain)
    entry = "massage.gluteus_medius"
    assert events == [SlotSet("last_entry", entry), SlotSet("said_entries", [entry])]
    assert "20 minutes" in said(dispatcher)


async def test_unknown_entry_in_a_payload_lists_topics(store: GuidanceStore, domain: Dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("/ask_entry", "ask_entry", [("entry_id", "nope.nothing")])
    assert await ActionAnswerEntry(store).run(dispatcher, tracker, domain) == []
    assert dispatcher.messages[0]["response"] == "utter_capabilities"


@pytest.mark.parametrize(("text", "more"), [("lol ok", False), ("right, got it", False), ("yes please", True)])
async def test_an_ok_takes_the_answer_in_and_a_yes_asks_for_more(
    store: GuidanceStore, domain: Dict[str, Any], text: str, more: bool
) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionTellMore(store).run(dispatcher, make_tracker(text, "affirm", slots=LAST), domain)
    assert bool(events) is more
    assert (dispatcher.messages[0].get("response") == "utter_anything_else") is not more


async def test_a_question_read_as_a_yes_is_answered(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    slots = {"last_entry": "equipment.tennis_ball", "equipment": "tennis ball"}
    tracker = make_tracker("how long do i keep it there?", "affirm", slots=slots, index=index)
    await ActionTellMore(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["entry_id"] == "equipment.ball_how_long"
