"""ActionEscalate: what a person reads when they mention a warning sign, and that forms end."""

from __future__ import annotations

from typing import Any, Dict, List, Sequence

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.safety import MEANWHILE, ActionEscalate
from backcare.guidance_schema import Topic
from backcare.red_flag_data import RedFlagData, get_red_flags
from backcare.store import GuidanceStore

EMERGENCY_BLADDER = (
    "You mentioned loss of bladder control. Together with back pain this can mean the nerves at the "
    "base of the spine are being squeezed, or a serious injury, and that needs treating within hours "
    "to avoid lasting damage. Please call your local emergency number now (for example 999 in the UK, "
    "911 in the US or 112 in Europe) or go to the nearest emergency department; I'm not a doctor and "
    "can't check this for you."
)


def tracker(
    intent: str, signs: Sequence[str], active_loop: str = "", text: str = "", ranking: Sequence[Dict[str, Any]] = ()
) -> Tracker:
    """A tracker whose latest message is the detector's output: intent plus red_flag_sign entities."""
    latest = {
        "text": text,
        "guidance_ranking": list(ranking),
        "intent": {"name": intent, "confidence": 1.0},
        "intent_ranking": [{"name": intent, "confidence": 1.0}],
        "entities": [{"entity": "red_flag_sign", "value": s, "extractor": "RedFlagDetector"} for s in signs],
    }
    loop = {"name": active_loop} if active_loop else {}
    slots = {"requested_slot": "onset"} if active_loop else {}
    return Tracker("test-user", slots, latest, [], False, None, loop, "action_listen")


async def escalate(t: Tracker, data: RedFlagData | None = None) -> tuple:
    dispatcher = CollectingDispatcher()
    events = await ActionEscalate(red_flags=data).run(dispatcher, t, {})
    return [m["text"] for m in dispatcher.messages], events


async def test_emergency_reply_exactly() -> None:
    texts, _ = await escalate(tracker("red_flag_emergency", ["urinary_incontinence"], text="i wet myself"))
    assert texts == [EMERGENCY_BLADDER]


@pytest.mark.parametrize(
    ("intent", "signs", "must_say"),
    [
        ("red_flag_emergency", ["saddle_numbness"],
         ["numbness around the genitals, buttocks or between the legs", "999", "911", "112",
          "emergency department", "not a doctor"]),
        ("red_flag_emergency", ["major_trauma", "bilateral_leg_symptoms"],
         ["a serious injury, such as a fall from a height or a road accident and numbness, weakness or pain "
          "in both legs", "call your local emergency number now"]),
        ("red_flag_urgent", ["fever"],
         ["a fever, chills or sweats", "see a doctor today", "nhs 111", "not a doctor"]),
        ("red_flag_urgent", ["cancer_history"], ["a history of cancer", "same-day gp"]),
        ("red_flag_soon", ["no_improvement"],
         ["no improvement after several weeks", "doctor or a physiotherapist", "not a doctor"]),
    ],
)
async def test_reply_names_the_signs_and_says_what_to_do(intent: str, signs: List[str], must_say: List[str]) -> None:
    texts, _ = await escalate(tracker(intent, signs))
    assert len(texts) == 1
    for phrase in must_say:
        assert phrase in texts[0].lower()


async def test_urgent_and_soon_replies_do_not_send_people_to_the_emergency_department() -> None:
    for intent, sign in (("red_flag_urgent", "weight_loss"), ("red_flag_soon", "chronic_pain")):
        texts, _ = await escalate(tracker(intent, [sign]))
        assert "emergency department" not in texts[0]


async def test_escalation_ends_the_onset_form() -> None:
    _, events = await escalate(tracker("red_flag_emergency", ["foot_drop"], active_loop="onset_form"))
    assert events == [ActiveLoop(None), SlotSet("requested_slot", None)]


async def test_without_a_red_flag_intent_the_most_urgent_sign_decides() -> None:
    texts, _ = await escalate(tracker("ask_guidance", ["no_improvement", "fever"]))
    assert "see a doctor today" in texts[0]
    assert "no improvement after several weeks and a fever, chills or sweats" in texts[0]


async def test_with_nothing_to_go_on_it_escalates_as_an_emergency() -> None:
    texts, _ = await escalate(tracker("", []))
    assert texts[0].startswith("You mentioned a warning sign.")
    assert "emergency department" in texts[0]


async def test_unknown_sign_values_are_ignored() -> None:
    texts, _ = await escalate(tracker("red_flag_urgent", ["made_up", "fever"]))
    assert texts[0].startswith("You mentioned a fever, chills or sweats.")


async def test_takes_its_red_flag_data_through_the_constructor() -> None:
    raw: Dict[str, Any] = get_red_flags().dict()
    raw["tiers"]["emergency"]["message"] = "Test wording: {signs}. I'm not a doctor, call 999 now, please."
    data = RedFlagData.parse_obj(raw)
    texts, _ = await escalate(tracker("red_flag_emergency", ["foot_drop"]), data)
    assert texts == [
        "Test wording: a foot that drags or can't be lifted (foot drop). I'm not a doctor, call 999 now, please."
    ]


async def said_by(store: GuidanceStore, intent: str, sign: str, entry: str, score: float) -> List[Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    t = tracker(intent, [sign], text="my leg pain goes below the knee; how should I sleep?",
                ranking=[{"id": entry, "score": score}])
    await ActionEscalate(store=store).run(dispatcher, t, {})
    return dispatcher.messages


async def test_after_a_soon_sign_the_question_asked_is_answered_too(store: GuidanceStore) -> None:
    entry = next(e for e in store.entries if e.topic is Topic.SLEEP and not store.depends_on_onset(e))
    messages = await said_by(store, "red_flag_soon", "leg_pain_below_knee", entry.id, 0.8)
    assert "book an appointment" in messages[0]["text"].lower()
    assert [m["text"] for m in messages[1:2]] == [MEANWHILE]
    assert messages[2]["entry_id"] == entry.id


@pytest.mark.parametrize("intent", ["red_flag_emergency", "red_flag_urgent"])
async def test_after_an_emergency_or_urgent_sign_only_the_escalation_is_said(store: GuidanceStore, intent: str) -> None:
    entry = next(e for e in store.entries if e.topic is Topic.SLEEP)
    assert len(await said_by(store, intent, "fever", entry.id, 0.9)) == 1


async def test_a_soon_sign_with_no_clear_question_gets_the_escalation_alone(store: GuidanceStore) -> None:
    entry = next(e for e in store.entries if e.topic is Topic.SLEEP)
    assert len(await said_by(store, "red_flag_soon", "chronic_pain", entry.id, 0.3)) == 1


async def test_an_answer_that_needs_the_onset_is_offered_as_a_button_after_a_soon_sign(store: GuidanceStore) -> None:
    entry = next(e for e in store.entries if store.depends_on_onset(e))
    messages = await said_by(store, "red_flag_soon", "chronic_pain", entry.id, 0.9)
    assert len(messages) == 2 and messages[1]["text"] == MEANWHILE
    assert [b["title"] for b in messages[1]["buttons"]] == [entry.question]


async def test_a_soon_sign_asking_whether_to_see_the_gp_gets_the_doctor_entry_too(store: GuidanceStore) -> None:
    entry = store.get("doctor.when_gp_non_urgent")
    assert entry is not None and not store.depends_on_onset(entry)
    dispatcher = CollectingDispatcher()
    t = tracker("red_flag_soon", ["no_improvement"], text="still sore after six weeks, should I see my GP",
                ranking=[{"id": entry.id, "score": 0.9}])
    await ActionEscalate(store=store).run(dispatcher, t, {})
    assert [m["text"] for m in dispatcher.messages[1:2]] == [MEANWHILE]
    assert dispatcher.messages[2]["entry_id"] == entry.id


async def test_a_soon_sign_not_asking_about_a_doctor_skips_the_doctor_entries(store: GuidanceStore) -> None:
    entry = store.get("doctor.when_gp_non_urgent")
    assert entry is not None
    dispatcher = CollectingDispatcher()
    t = tracker("red_flag_soon", ["no_improvement"], text="still sore after six weeks, what now",
                ranking=[{"id": entry.id, "score": 0.9}])
    await ActionEscalate(store=store).run(dispatcher, t, {})
    assert len(dispatcher.messages) == 1
