"""Which entry each topic action picks, with the real store and tracker fixtures."""

from typing import Any, Dict, Optional, Sequence, Tuple

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.doctor import ActionAnswerMedicine
from actions.equipment import ActionAnswerEquipment
from actions.exercise import ActionAnswerExercise
from actions.heat_ice import ActionAnswerHeatIce
from actions.massage import ActionAnswerMassage
from actions.posture import ActionAnswerPosture
from actions.sleep import ActionAnswerSleep
from backcare.store import GuidanceStore
from tests.conftest import make_tracker, said


@pytest.mark.parametrize(
    ("action_class", "text", "entities", "slots", "expected_phrase"),
    [
        (ActionAnswerHeatIce, "hurt it yesterday can i use a heat pad", [("therapy", "heat pad")],
         {"onset": "yesterday"}, "48 hours"),
        (ActionAnswerHeatIce, "heat or ice", [], {"onset": "5 days ago"}, "both fine"),
        (ActionAnswerHeatIce, "heat or ice", [], {"onset": "unknown"}, "depends on when"),
        (ActionAnswerEquipment, "how long should i use it", [], {"equipment": "acupressure mat"}, "20 minutes"),
        (ActionAnswerEquipment, "how long can i use the massage gun on one spot", [("equipment", "massage gun")],
         {}, "15 minutes"),
        (ActionAnswerEquipment, "where do i put the tennis balls", [("equipment", "tennis balls")], {}, "spine"),
        (ActionAnswerMassage, "how hard should i press", [], {}, "medium"),
        (ActionAnswerMassage, "how long should i massage my glute medius", [("body_area", "glute medius")], {},
         "20 minutes"),
        (ActionAnswerExercise, "how long should each workout be", [], {}, "20"),
        (ActionAnswerPosture, "what can i put behind my back in my office chair", [], {}, "towel"),
        (ActionAnswerSleep, "would a mattress topper help", [("equipment", "mattress topper")], {}, "topper"),
    ],
)
async def test_topic_action_answers_with_the_specific_entry(
    store: GuidanceStore,
    domain: Dict[str, Any],
    action_class: type,
    text: str,
    entities: Sequence[Tuple[str, str]],
    slots: Optional[Dict[str, Any]],
    expected_phrase: str,
) -> None:
    dispatcher = CollectingDispatcher()
    events = await action_class(store).run(dispatcher, make_tracker(text, "", entities, slots), domain)
    assert expected_phrase in said(dispatcher)
    assert events == [SlotSet("last_entry", dispatcher.messages[0]["entry_id"])]


async def test_onset_is_filled_into_the_advice(store: GuidanceStore, domain: Dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerHeatIce(store).run(dispatcher, make_tracker("heat?", slots={"onset": "2 hours ago"}), domain)
    assert "about 2 hours ago" in said(dispatcher)
    assert "{onset}" not in said(dispatcher)


async def test_equipment_question_without_equipment_asks_which(store: GuidanceStore, domain: Dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerEquipment(store).run(dispatcher, make_tracker("how long should i use it"), domain)
    assert events == []
    assert "which equipment" in said(dispatcher)
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert "Foam roller" in titles and len(titles) == len(store.vocabulary.equipment)


async def test_answers_carry_why_source_and_follow_up_buttons(store: GuidanceStore, domain: Dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerMassage(store).run(dispatcher, make_tracker("how hard should i press"), domain)
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert payloads[0] == "/ask_why" and payloads[-1] == "/ask_source"
    assert any(p.startswith('/ask_entry{"entry_id": ') for p in payloads)


async def test_medicine_questions_get_no_names_or_doses(store: GuidanceStore, domain: Dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("how many ibuprofen can i take", "ask_medicine")
    await ActionAnswerMedicine(store).run(dispatcher, tracker, domain)
    text = said(dispatcher)
    assert "pharmacist" in text and "ibuprofen" not in text and "mg" not in text.split()
