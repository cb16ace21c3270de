"""The onset form's validation (actions/onset_form.py): onsets, and new questions instead of one."""

from typing import Any, Dict

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.onset_form import ValidateOnsetForm
from backcare.ranking import GuidanceIndex
from backcare.store import GuidanceStore
from tests.conftest import make_tracker

ASKING = {"requested_slot": "onset", "pending_entry": "heat_ice.after_48h"}


async def validate(store: GuidanceStore, index: GuidanceIndex, text: str, intent: str, **extra: Any) -> list:
    tracker = make_tracker(text, intent, slots={**ASKING, **extra}, index=index)
    tracker.active_loop = {"name": "onset_form"}
    domain: Dict[str, Any] = {"forms": {"onset_form": {"required_slots": ["onset"]}}, "slots": {"onset": {}}}
    return await ValidateOnsetForm(store).run(CollectingDispatcher(), tracker, domain)


async def test_a_new_question_that_needs_no_onset_ends_the_form_and_drops_the_old_one(
    store: GuidanceStore, index: GuidanceIndex
) -> None:
    text = "anyway, how do i pick up my toddler without hurting my back?"
    events = await validate(store, index, text, "ask_guidance")
    assert events == [SlotSet("pending_entry", None), SlotSet("requested_slot", None)]


async def test_a_new_question_that_needs_the_onset_takes_the_old_ones_place(
    store: GuidanceStore, index: GuidanceIndex
) -> None:
    events = await validate(store, index, "can i wear a stick-on heat wrap under my work shirt?", "ask_guidance")
    pending = [e for e in events if e.get("name") == "pending_entry"]
    assert pending and store.depends_on_onset(store.get(pending[0]["value"]))
    assert SlotSet("requested_slot", None) not in events


async def test_an_answer_to_the_question_is_not_a_new_question(store: GuidanceStore, index: GuidanceIndex) -> None:
    events = await validate(store, index, "it started yesterday", "inform_onset")
    assert not [e for e in events if e.get("name") == "pending_entry"]


def test_of_several_times_the_one_meant_is_kept(store: GuidanceStore) -> None:
    text = "about two hours ago, not last week"
    tracker = make_tracker(text, "inform_onset", [("onset", "two hours ago"), ("onset", "last week")], slots=ASKING)
    for entity, start in zip(tracker.latest_message["entities"], (text.index("two"), text.index("last"))):
        entity["start"] = start
    kept = ValidateOnsetForm(store).validate_onset("last week", CollectingDispatcher(), tracker, {})
    assert kept == {"onset": "two hours ago"}


async def test_an_aside_while_asked_keeps_the_form_waiting(store: GuidanceStore, index: GuidanceIndex) -> None:
    # The classifier often reads an aside as a question; it fits no entry, so the question stays.
    events = await validate(store, index, "haha ok one sec", "ask_guidance")
    assert SlotSet("pending_entry", None) not in events


def test_a_day_said_with_the_day_it_is_now_is_counted_back(store: GuidanceStore) -> None:
    text = "no it was tues. today's fri"
    tracker = make_tracker(text, "inform_onset", [("onset", "today")], slots=ASKING)
    tracker.latest_message["entities"][0]["start"] = text.index("today")
    kept = ValidateOnsetForm(store).validate_onset("today", CollectingDispatcher(), tracker, {})
    assert kept == {"onset": "3 days ago"}
