"""Pain check-ins in the actions: the offer, yes, each score kept and answered, stop, what is kept."""

import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.answer import ActionAnswerGuidance
from actions.checkins import ActionScheduleCheckin, ActionSchedulePainCheckin, ActionStopCheckins
from actions.clarify import ActionClarify
from actions.followups import ActionAnswerEntry
from actions.my_data import ActionMyData
from actions.pain_question import OUT_OF_RANGE, REASK
from actions.pain_scores import NOT_ASKED, ActionRecordPainScore
from actions.time_zone import ASK
from backcare.checkins import HEAT_48H, PAIN, CheckinStore
from backcare.red_flag_data import RedFlagData, Tier, get_red_flags
from backcare.store import GuidanceStore
from tests.conftest import make_tracker, said

DAY = 86400.0
QUESTION_EVENTS = [
    {"event": "bot", "text": "How is your back today, 0–10? (0 is no pain, 10 the worst pain you can imagine.)"},
    {"event": "user", "text": "reply"},
]


@pytest.fixture
def checkins(tmp_path: Path) -> CheckinStore:
    return CheckinStore(f"sqlite:///{tmp_path / 'trackers.db'}")


@pytest.fixture(scope="module")
def red_flags() -> RedFlagData:
    return get_red_flags()


def conversation(
    text: str, intent: str, slots: Optional[Dict[str, Any]] = None, sender: str = "telegram:7",
    events: Optional[List[Dict[str, Any]]] = None,
) -> Tracker:
    tracker = make_tracker(text, intent, slots=slots)
    tracker.sender_id = sender
    tracker.events = list(events or [])
    return tracker


def slots_set(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def asked(scores: List[Dict[str, float]]) -> Dict[str, Any]:
    """Slots while a score is wanted, after the given earlier scores."""
    return {names.PAIN_QUESTION: time.time(), names.PAIN_SCORES: scores, names.PAIN_CHECKINS: True}


async def test_an_answer_about_recovery_offers_a_pain_check_in_in_three_days(
    store: GuidanceStore, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker('/ask_entry{"entry_id": "recovery.how_long_to_improve"}', "ask_entry",
                           [("entry_id", "recovery.how_long_to_improve")])
    await ActionAnswerEntry(store).run(dispatcher, tracker, domain)
    offer = {"title": "Shall I check in with you in 3 days?", "payload": "/accept_pain_checkin"}
    assert offer in dispatcher.messages[0]["buttons"]


@pytest.mark.parametrize(
    ("entry", "slots", "history", "offered"),
    [
        ("massage.how_to_start", {}, [], False),  # not about pain going on
        ("massage.how_to_start", {"onset": "2 weeks ago"}, [], True),  # but it has lasted weeks
        ("recovery.shower_and_bed_after_massage", {}, [], False),  # aftercare, not recovery
        ("activity.stay_active", {names.PAIN_CHECKINS: True}, [], False),  # already on
        ("activity.stay_active", {}, ["my dad has hurt his back"], False),  # someone else's back
    ],
)
async def test_the_offer_comes_only_for_the_persons_own_ongoing_pain(
    store: GuidanceStore, domain: Dict[str, Any], entry: str, slots: Dict[str, Any], history: List[str],
    offered: bool,
) -> None:
    dispatcher = CollectingDispatcher()
    payload = f'/ask_entry{{"entry_id": "{entry}"}}'
    tracker = make_tracker(payload, "ask_entry", [("entry_id", entry)], slots, history=history)
    await ActionAnswerEntry(store).run(dispatcher, tracker, domain)
    payloads = [b["payload"] for m in dispatcher.messages for b in m.get("buttons") or []]
    assert ("/accept_pain_checkin" in payloads) is offered


async def test_yes_schedules_the_check_in_and_asks_the_time_zone_once(
    checkins: CheckinStore, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    before = time.time()
    events = await ActionSchedulePainCheckin(checkins).run(
        dispatcher, conversation("/accept_pain_checkin", names.ACCEPT_PAIN_CHECKIN), domain
    )
    assert "in about 3 days i'll ask how your back is" in said(dispatcher)
    assert dispatcher.messages[-1]["text"] == ASK
    assert slots_set(events) == {names.PAIN_CHECKINS: True, names.TIME_ZONE_ASKED: True}
    [pending] = checkins.pending("telegram:7")
    assert pending.kind == PAIN and pending.due_at == pytest.approx(before + 3 * DAY, abs=5)
    dispatcher = CollectingDispatcher()
    again = conversation("/accept_pain_checkin", names.ACCEPT_PAIN_CHECKIN, {names.TIME_ZONE_ASKED: True})
    await ActionSchedulePainCheckin(checkins).run(dispatcher, again, domain)
    assert ASK not in [m.get("text") for m in dispatcher.messages]


async def test_rest_is_not_asked_for_a_time_zone_it_would_not_use(
    checkins: CheckinStore, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    rest = conversation("/accept_pain_checkin", names.ACCEPT_PAIN_CHECKIN, sender="rest:me")
    events = await ActionSchedulePainCheckin(checkins).run(dispatcher, rest, domain)
    assert "first reply after that" in said(dispatcher) and ASK not in [m.get("text") for m in dispatcher.messages]
    assert names.TIME_ZONE_ASKED not in slots_set(events)


async def test_a_typed_yes_after_the_pain_offer_read_as_the_heat_one_schedules_the_pain_check_in(
    checkins: CheckinStore, domain: Dict[str, Any]
) -> None:
    button = {"title": "Shall I check in with you in 3 days?", "payload": "/accept_pain_checkin"}
    offer = {"event": "bot", "text": "Ordinary back pain usually improves...", "data": {"buttons": [button]}}
    typed = conversation("yes please check in with me", names.ACCEPT_CHECKIN,
                         events=[offer, {"event": "user", "text": "yes please check in with me"}])
    await ActionScheduleCheckin(checkins).run(CollectingDispatcher(), typed, domain)
    assert [c.kind for c in checkins.pending("telegram:7")] == [PAIN]


async def test_a_typed_question_misread_as_yes_is_answered_not_scheduled(
    checkins: CheckinStore, store: GuidanceStore, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    question = conversation("is swimming good for my back", names.ACCEPT_PAIN_CHECKIN)
    await ActionSchedulePainCheckin(checkins, ActionAnswerGuidance(store)).run(dispatcher, question, domain)
    assert checkins.pending("telegram:7") == [] and dispatcher.messages


async def test_the_first_score_is_kept_and_the_next_check_in_scheduled(
    checkins: CheckinStore, red_flags: RedFlagData, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionRecordPainScore(checkins, red_flags).run(
        dispatcher, conversation("about a 6", names.INFORM_PAIN_SCORE, asked([])), domain
    )
    assert said(dispatcher) == "thanks, i've noted 6/10. i'll ask again in about 3 days, so we can see how it changes."
    kept = slots_set(events)
    assert [s["score"] for s in kept[names.PAIN_SCORES]] == [6] and kept[names.PAIN_QUESTION] is None
    assert [c.kind for c in checkins.pending("telegram:7")] == [PAIN]


async def test_two_points_worse_says_book_a_doctor_or_physio_in_the_soon_wording(
    checkins: CheckinStore, red_flags: RedFlagData, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    earlier = [{"score": 5, "time": time.time() - 3 * DAY}]
    await ActionRecordPainScore(checkins, red_flags).run(
        dispatcher, conversation("8/10", names.INFORM_PAIN_SCORE, asked(earlier)), domain
    )
    [message] = dispatcher.messages
    soon = red_flags.tiers[Tier.SOON].message.format(signs="a pain score of 8/10, up from 5/10")
    assert message["text"] == soon + " I'll check in again in about 3 days."
    assert "book an appointment with your doctor or a physiotherapist" in message["text"]
    assert message["red_flag_tier"] == "soon"


async def test_no_better_after_four_weeks_says_book_a_doctor_or_physio(
    checkins: CheckinStore, red_flags: RedFlagData, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    earlier = [{"score": 6, "time": time.time() - 29 * DAY}, {"score": 6, "time": time.time() - 3 * DAY}]
    await ActionRecordPainScore(checkins, red_flags).run(
        dispatcher, conversation("5", names.INFORM_PAIN_SCORE, asked(earlier)), domain
    )
    assert "pain scores that have not improved over 4 weeks (6/10 then, 5/10 now)" in said(dispatcher)
    assert "book an appointment with your doctor or a physiotherapist" in said(dispatcher)


async def test_better_says_so_and_encourages_staying_active(
    checkins: CheckinStore, red_flags: RedFlagData, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    earlier = [{"score": 6, "time": time.time() - 3 * DAY}]
    await ActionRecordPainScore(checkins, red_flags).run(
        dispatcher, conversation("four", names.INFORM_PAIN_SCORE, asked(earlier)), domain
    )
    text = said(dispatcher)
    assert text.startswith("thanks, i've noted 4/10, down from 6/10 last time: good to hear it's easing.")
    assert "keep gently active" in text and "doctor" not in text


@pytest.mark.parametrize(("text", "reply"), [("15", OUT_OF_RANGE), ("eleven", OUT_OF_RANGE), ("pretty bad", REASK)])
async def test_an_off_scale_or_wordless_reply_is_asked_again_and_nothing_kept(
    checkins: CheckinStore, red_flags: RedFlagData, domain: Dict[str, Any], text: str, reply: str
) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionRecordPainScore(checkins, red_flags).run(
        dispatcher, conversation(text, names.INFORM_PAIN_SCORE, asked([])), domain
    )
    assert [m["text"] for m in dispatcher.messages] == [reply] and events == []
    assert checkins.pending("telegram:7") == []


async def test_a_score_nobody_asked_for_is_not_kept_and_check_ins_are_offered(
    checkins: CheckinStore, red_flags: RedFlagData, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionRecordPainScore(checkins, red_flags).run(
        dispatcher, conversation("6", names.INFORM_PAIN_SCORE), domain
    )
    assert dispatcher.messages[0]["text"] == NOT_ASKED and events == []
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "/accept_pain_checkin"


async def test_a_short_wordless_reply_to_the_check_in_is_asked_again_a_question_is_answered(
    store: GuidanceStore, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionClarify(store).run(
        dispatcher, conversation("meh", "nlu_fallback", asked([]), events=QUESTION_EVENTS), domain
    )
    assert [m["text"] for m in dispatcher.messages] == [REASK]
    dispatcher = CollectingDispatcher()
    await ActionClarify(store).run(
        dispatcher, conversation("what is a slipped disc?", "nlu_fallback", asked([]), events=QUESTION_EVENTS), domain
    )
    assert REASK not in [m.get("text") for m in dispatcher.messages]


async def test_stop_check_ins_cancels_the_pain_check_in_and_wants_no_score(
    checkins: CheckinStore, domain: Dict[str, Any]
) -> None:
    checkins.schedule_pain_check("telegram:7", 3)
    checkins.schedule_heat_check("telegram:7", 6)
    dispatcher = CollectingDispatcher()
    events = await ActionStopCheckins(checkins).run(
        dispatcher, conversation("/stop_checkins", "stop_checkins", asked([])), domain
    )
    assert "cancelled your check-ins" in said(dispatcher)
    assert checkins.pending("telegram:7") == []
    assert slots_set(events) == {names.PAIN_CHECKINS: None, names.PAIN_QUESTION: None}


async def test_what_do_you_know_lists_the_scores_time_zone_and_pain_check_in(
    checkins: CheckinStore, domain: Dict[str, Any]
) -> None:
    checkins.schedule_pain_check("telegram:7", 3)
    slots = {names.PAIN_SCORES: [{"score": 5, "time": 1_796_000_000.0}, {"score": 8, "time": 1_796_259_200.0}],
             names.TIME_ZONE: "Europe/London"}
    dispatcher = CollectingDispatcher()
    question = conversation("what do you know about me?", "ask_my_data", slots)
    await ActionMyData(checkins).run(dispatcher, question, domain)
    text = said(dispatcher)
    assert "- your pain scores: 5/10 on 30 nov 00:53, 8/10 on 3 dec 00:53" in text
    assert "- your time zone: europe/london" in text
    assert "- a check-in in about 3 days: how your back is, 0–10" in text


async def test_the_heat_check_in_is_still_listed_as_before(checkins: CheckinStore, domain: Dict[str, Any]) -> None:
    checkins.schedule_heat_check("telegram:7", 6)
    dispatcher = CollectingDispatcher()
    await ActionMyData(checkins).run(dispatcher, conversation("what do you know about me", "ask_my_data"), domain)
    assert "the 48-hour heat message" in said(dispatcher)
    assert [c.kind for c in checkins.pending("telegram:7")] == [HEAT_48H]


async def test_a_message_misread_as_a_score_is_answered_as_a_question(
    checkins: CheckinStore, red_flags: RedFlagData, store: GuidanceStore, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionRecordPainScore(checkins, red_flags, ActionAnswerGuidance(store)).run(
        dispatcher, conversation("my mum is 72", names.INFORM_PAIN_SCORE), domain
    )
    assert NOT_ASKED not in [m.get("text") for m in dispatcher.messages] and dispatcher.messages
