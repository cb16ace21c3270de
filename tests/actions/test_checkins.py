"""The check-in actions: offering, scheduling, stopping, listing what is kept, forgetting."""

import time
from pathlib import Path
from typing import Any, Dict

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.answer import ActionAnswerGuidance
from actions.checkins import (
    ALREADY_PAST,
    FORGOTTEN,
    NO_ONSET,
    NOTHING_TO_STOP,
    STOPPED,
    ActionForgetMe,
    ActionScheduleCheckin,
    ActionStopCheckins,
)
from actions.followups import ActionAnswerEntry
from actions.my_data import ActionMyData
from backcare.checkins import FORGET, CheckinStore
from backcare.store import GuidanceStore
from tests.conftest import make_tracker, said


@pytest.fixture
def checkins(tmp_path: Path) -> CheckinStore:
    return CheckinStore(f"sqlite:///{tmp_path / 'trackers.db'}")


def tracker(sender: str, slots: Dict[str, Any], text: str = "/accept_checkin") -> Tracker:
    base = make_tracker(text, names.ACCEPT_CHECKIN, slots=slots)
    base.sender_id = sender
    return base


async def test_heat_advice_in_the_first_48_hours_offers_the_check_in(
    store: GuidanceStore, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    slots = {"onset": "this morning"}
    tracker_ = make_tracker('/ask_entry{"entry_id": "heat_ice.no_heat_first_48h"}', "ask_entry",
                            [("entry_id", names.NO_HEAT_ENTRY)], slots)
    await ActionAnswerEntry(store).run(dispatcher, tracker_, domain)
    [message] = dispatcher.messages
    assert message["entry_id"] == names.NO_HEAT_ENTRY
    offer = {"title": "Shall I message you when 48 hours have passed?", "payload": "/accept_checkin"}
    assert offer in message["buttons"]


async def test_yes_stores_a_check_in_due_when_the_pain_is_48_hours_old(
    checkins: CheckinStore, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    before = time.time()
    await ActionScheduleCheckin(checkins).run(dispatcher, tracker("telegram:5", {"onset": "this morning"}), domain)
    assert "in about 2 days" in said(dispatcher) and "stop check-ins" in said(dispatcher)
    [pending] = checkins.pending("telegram:5")
    assert pending.due_at == pytest.approx(before + 42 * 3600, abs=5)


@pytest.mark.parametrize(("onset", "reply"), [(None, NO_ONSET), ("unknown", NO_ONSET), ("3 days ago", ALREADY_PAST)])
async def test_no_check_in_without_an_onset_inside_the_window(
    checkins: CheckinStore, domain: Dict[str, Any], onset: Any, reply: str
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionScheduleCheckin(checkins).run(dispatcher, tracker("telegram:5", {"onset": onset}), domain)
    assert said(dispatcher) == reply.lower()
    assert checkins.pending("telegram:5") == []


async def test_rest_is_told_the_check_in_comes_with_the_next_reply(
    checkins: CheckinStore, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionScheduleCheckin(checkins).run(dispatcher, tracker("rest:me", {"onset": "yesterday"}), domain)
    assert "in about a day" in said(dispatcher) and "first reply after that" in said(dispatcher)


async def test_stop_check_ins_cancels_them(checkins: CheckinStore, domain: Dict[str, Any]) -> None:
    checkins.schedule_heat_check("telegram:5", 6)
    dispatcher = CollectingDispatcher()
    await ActionStopCheckins(checkins).run(dispatcher, tracker("telegram:5", {}, "stop check-ins"), domain)
    assert said(dispatcher) == STOPPED.lower()
    assert checkins.pending("telegram:5") == []
    dispatcher = CollectingDispatcher()
    await ActionStopCheckins(checkins).run(dispatcher, tracker("telegram:5", {}, "no more reminders"), domain)
    assert said(dispatcher) == NOTHING_TO_STOP.lower()


async def test_a_misread_remind_me_does_not_cancel_anything(checkins: CheckinStore, domain: Dict[str, Any]) -> None:
    checkins.schedule_heat_check("telegram:5", 6)
    dispatcher = CollectingDispatcher()
    await ActionStopCheckins(checkins).run(dispatcher, tracker("telegram:5", {}, "remind me"), domain)
    assert "cancelled" not in said(dispatcher)
    assert len(checkins.pending("telegram:5")) == 1


async def test_what_do_you_know_about_heat_is_not_about_the_person(
    checkins: CheckinStore, store: GuidanceStore, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    slots = {"onset": "this morning"}
    question = tracker("telegram:5", slots, "what do you know about heat")
    await ActionMyData(checkins, ActionAnswerGuidance(store)).run(dispatcher, question, domain)
    assert "keep about you" not in said(dispatcher) and dispatcher.messages


async def test_what_do_you_know_lists_onset_equipment_and_check_ins(
    checkins: CheckinStore, domain: Dict[str, Any]
) -> None:
    checkins.schedule_heat_check("telegram:5", 6)
    dispatcher = CollectingDispatcher()
    slots = {"onset": "this morning", "equipment": "foam roller"}
    await ActionMyData(checkins).run(dispatcher, tracker("telegram:5", slots, "what do you know about me?"), domain)
    text = said(dispatcher)
    assert "when your pain started: this morning" in text
    assert "equipment: foam roller" in text
    assert "a check-in in about 2 days" in text
    assert "forget me" in text


CONFIRMATION_ASKED = [
    {"event": "action", "name": "utter_confirm_forget"},
    {"event": "bot", "text": "Shall I delete everything I keep about you?"},
    {"event": "action", "name": "action_listen"},
    {"event": "user", "text": "yes, forget me"},
]


async def test_forget_me_without_the_question_just_asked_asks_it_and_keeps_everything(
    checkins: CheckinStore, domain: Dict[str, Any]
) -> None:
    checkins.schedule_heat_check("telegram:5", 6)
    dispatcher = CollectingDispatcher()
    asked_earlier = tracker("telegram:5", {})
    asked_earlier.events = [*CONFIRMATION_ASKED[:3], {"event": "user", "text": "thanks"},
                            {"event": "action", "name": "utter_thanks"}, {"event": "action", "name": "action_listen"},
                            {"event": "user", "text": "erase"}]
    await ActionForgetMe(checkins).run(dispatcher, asked_earlier, domain)
    assert dispatcher.messages[0]["response"] == "utter_confirm_forget"
    assert len(checkins.pending("telegram:5")) == 1
    assert checkins.claim_due("telegram:5") == []


async def test_a_typed_remind_me_question_after_other_advice_is_answered_not_scheduled(
    checkins: CheckinStore, store: GuidanceStore, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    question = make_tracker("can you remind me how long to use the mat", names.ACCEPT_CHECKIN,
                            slots={"onset": "this morning", "last_entry": "equipment.acupressure_mat_how_long"})
    question.sender_id = "telegram:5"
    await ActionScheduleCheckin(checkins, ActionAnswerGuidance(store)).run(dispatcher, question, domain)
    assert checkins.pending("telegram:5") == []
    assert "message you" not in said(dispatcher) and dispatcher.messages


async def test_confirmed_forget_me_cancels_check_ins_and_queues_the_erasure(
    checkins: CheckinStore, domain: Dict[str, Any]
) -> None:
    checkins.schedule_heat_check("telegram:5", 6)
    dispatcher = CollectingDispatcher()
    confirmed = tracker("telegram:5", {})
    confirmed.events = CONFIRMATION_ASKED
    await ActionForgetMe(checkins).run(dispatcher, confirmed, domain)
    assert said(dispatcher) == FORGOTTEN.lower()
    assert checkins.pending("telegram:5") == []
    assert [c.kind for c in checkins.claim_due("telegram:5")] == [FORGET]
