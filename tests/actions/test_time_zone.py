"""The time-zone answer: kept in the conversation, with the local time and the quiet hours said."""

from typing import Any, Dict

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.time_zone import ActionSetTimeZone
from backcare.store import GuidanceStore
from tests.conftest import make_tracker, said


@pytest.mark.parametrize(("text", "zone"), [("London", "Europe/London"), ("UTC+2", "UTC+02:00")])
async def test_a_place_or_offset_is_kept_and_the_quiet_hours_said_in_it(
    store: GuidanceStore, domain: Dict[str, Any], monkeypatch: pytest.MonkeyPatch, text: str, zone: str
) -> None:
    monkeypatch.setenv("CHECKIN_QUIET_HOURS", "21-8")
    dispatcher = CollectingDispatcher()
    events = await ActionSetTimeZone(store).run(dispatcher, make_tracker(text, names.INFORM_TIME_ZONE), domain)
    assert {e["name"]: e["value"] for e in events} == {names.TIME_ZONE: zone, names.TIME_ZONE_ASKED: True}
    assert said(dispatcher).startswith(f"thanks: i've set your time zone to {zone.lower()} (it's ")
    assert said(dispatcher).endswith("i won't message you between 21:00 and 08:00 your time.")


async def test_without_quiet_hours_none_are_promised(
    store: GuidanceStore, domain: Dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHECKIN_QUIET_HOURS", "")
    dispatcher = CollectingDispatcher()
    await ActionSetTimeZone(store).run(dispatcher, make_tracker("it's 3pm", names.INFORM_TIME_ZONE), domain)
    assert "won't message you" not in said(dispatcher)


async def test_a_country_with_several_zones_asks_for_the_time_and_keeps_nothing(
    store: GuidanceStore, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionSetTimeZone(store).run(dispatcher, make_tracker("the US", names.INFORM_TIME_ZONE), domain)
    assert said(dispatcher) == "the us has several time zones. what time is it where you are, for example 3pm?"
    assert events == []


async def test_a_misread_question_is_answered_as_one(store: GuidanceStore, domain: Dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionSetTimeZone(store).run(
        dispatcher, make_tracker("can i use heat at night?", names.INFORM_TIME_ZONE), domain
    )
    assert names.TIME_ZONE not in [e.get("name") for e in events]
    assert "time zone" not in said(dispatcher)
