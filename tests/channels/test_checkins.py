"""Check-in delivery in the Rasa server: retried after a back-off and sent once, quiet hours on the person's clock."""

import asyncio
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, List

import pytest
from rasa.core.lock_store import InMemoryLockStore
from rasa.shared.core.events import SlotSet
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker

from actions import names
from backcare.checkins import CheckinStore
from backcare.store import GuidanceStore
from channels.checkins import INTRO, PAIN_TEXT, CheckinDelivery
from channels.telegram_memory import TelegramMemory

pytestmark = pytest.mark.unit


class FlakyTelegram:
    """Refuses the first ``failures`` sends, as Telegram does when it is down."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: List[Dict[str, Any]] = []

    async def send_text_with_buttons(self, recipient: str, text: str, buttons: List[Dict[str, Any]]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("Bot API unreachable")
        self.sent.append({"to": recipient, "text": text})

    async def close_session(self) -> None:
        return None


class Processor:
    def __init__(self) -> None:
        self.trackers: Dict[str, DialogueStateTracker] = {}

    async def get_tracker(self, sender: str) -> DialogueStateTracker:
        return self.trackers.setdefault(sender, DialogueStateTracker(sender, []))

    async def save_tracker(self, tracker: DialogueStateTracker) -> None:
        self.trackers[tracker.sender_id] = tracker


def an_agent() -> SimpleNamespace:
    """The parts of a Rasa agent check-in delivery uses: the lock store and the processor."""
    return SimpleNamespace(lock_store=InMemoryLockStore(), processor=Processor())


def pain_checks_due(tmp_path: Path, *senders: str) -> CheckinStore:
    """A check-in store where each sender's pain check-in fell due a moment ago."""
    checkins = CheckinStore(f"sqlite:///{tmp_path / 'trackers.db'}", 86400)
    for sender in senders:
        checkins.schedule_pain_check(sender, 3, now=time.time() - 4)
    return checkins


async def test_a_refused_send_is_retried_after_the_back_off_and_sent_once(
    tmp_path: Path, store: GuidanceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHECKIN_QUIET_HOURS", "")
    clock = [1_800_000_000.0]
    monkeypatch.setattr("backcare.checkins.time.time", lambda: clock[0])
    monkeypatch.setattr("channels.checkins.time.time", lambda: clock[0])
    checkins = CheckinStore(f"sqlite:///{tmp_path / 'trackers.db'}", 86400)
    checkins.schedule_heat_check("telegram:42", 6)
    checkins.schedule_heat_check("rest:me", 6)
    telegram = FlakyTelegram(failures=2)
    agent = an_agent()
    delivery = CheckinDelivery(checkins, store, telegram)

    for step in (2.0, 0.5, 2.0, 4.0, 10.0, 10.0):
        clock[0] += step
        await delivery.tick(agent)
    assert [m["to"] for m in telegram.sent] == ["telegram:42"]
    assert telegram.sent[0]["text"].startswith(INTRO)
    [bot] = [e for e in agent.processor.trackers["telegram:42"].events if e.type_name == "bot"]
    assert bot.text == telegram.sent[0]["text"] and bot.metadata["entry_id"] == "heat_ice.after_48h"
    # REST is never pushed: its check-in waits for the next message.
    assert [r["text"][: len(INTRO)] for r in await delivery.due_replies(agent, "rest:me")] == [INTRO]
    assert await delivery.due_replies(agent, "rest:me") == []


async def test_nothing_is_pushed_in_quiet_hours_and_it_goes_out_when_they_end(
    tmp_path: Path, store: GuidanceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHECKIN_QUIET_HOURS", "21-8")
    clock = [datetime(2026, 12, 1, 20, 30, tzinfo=timezone.utc).timestamp()]
    monkeypatch.setattr("backcare.checkins.time.time", lambda: clock[0])
    monkeypatch.setattr("channels.checkins.time.time", lambda: clock[0])
    checkins = CheckinStore(f"sqlite:///{tmp_path / 'trackers.db'}", 86400)
    checkins.schedule_heat_check("telegram:42", 47.9)
    telegram = FlakyTelegram(failures=0)
    agent = an_agent()
    delivery = CheckinDelivery(checkins, store, telegram)
    for _ in range(3):
        clock[0] += 3600
        await delivery.tick(agent)  # 21:30, 22:30, 23:30 UTC: due, held back
    assert telegram.sent == []
    clock[0] += 9 * 3600  # 08:30 UTC
    await delivery.tick(agent)
    assert [m["to"] for m in telegram.sent] == ["telegram:42"]


@pytest.mark.parametrize(("days", "erased"), [("90", 1), ("0", 0)])
async def test_retention_days_erases_idle_conversations_unless_zero(
    tmp_path: Path, store: GuidanceStore, monkeypatch: pytest.MonkeyPatch, days: str, erased: int
) -> None:
    monkeypatch.setenv("RETENTION_DAYS", days)
    now = 1_800_000_000.0
    checkins = CheckinStore(f"sqlite:///{tmp_path / 'trackers.db'}", 1)
    checkins.schedule_heat_check("rest:old", 47.5, now=now - 100 * 86400)
    [old] = checkins.claim_due(now=now - 99 * 86400)
    checkins.delivered(old, now=now - 99 * 86400)
    agent = an_agent()
    assert await CheckinDelivery(checkins, store, None).retain(agent, now) == erased
    assert len(checkins.idle_conversations(now - 90 * 86400)) == 1 - erased


class RepliedAtOnce(FlakyTelegram):
    """Telegram where the person's reply reaches the server while the send is still returning."""

    def __init__(self, agent: Any) -> None:
        super().__init__(failures=0)
        self.agent = agent
        self.turn: asyncio.Task[List[str]]

    async def send_text_with_buttons(self, recipient: str, text: str, buttons: List[Dict[str, Any]]) -> None:
        await super().send_text_with_buttons(recipient, text, buttons)
        self.turn = asyncio.get_running_loop().create_task(self.reply(recipient))
        await asyncio.sleep(0.05)  # the reply's turn gets the loop before the check-in is recorded

    async def reply(self, sender: str) -> List[str]:
        """A turn as Rasa runs it: under the conversation's lock, reading what the bot said so far."""
        async with self.agent.lock_store.lock(sender):
            tracker = await self.agent.processor.get_tracker(sender)
            return [e.text for e in tracker.events if e.type_name == "bot"]


async def test_a_reply_typed_the_moment_the_check_in_arrives_sees_it(
    tmp_path: Path, store: GuidanceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHECKIN_QUIET_HOURS", "")
    checkins = pain_checks_due(tmp_path, "telegram:42")
    agent = an_agent()
    telegram = RepliedAtOnce(agent)
    await CheckinDelivery(checkins, store, telegram).tick(agent)
    assert await telegram.turn == [PAIN_TEXT]


def tracker_in(sender: str, zone: str) -> DialogueStateTracker:
    """A conversation whose person said their time zone."""
    tracker = DialogueStateTracker(sender, [TextSlot(names.TIME_ZONE, mappings=[])])
    tracker.update(SlotSet(names.TIME_ZONE, zone))
    return tracker


async def test_a_pain_check_in_asks_for_the_score_and_wants_the_reply_as_one(
    tmp_path: Path, store: GuidanceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHECKIN_QUIET_HOURS", "")
    checkins = pain_checks_due(tmp_path, "telegram:42", "rest:me")
    telegram = FlakyTelegram(failures=0)
    agent = an_agent()
    delivery = CheckinDelivery(checkins, store, telegram)
    await delivery.tick(agent)
    assert [(m["to"], m["text"]) for m in telegram.sent] == [("telegram:42", PAIN_TEXT)]
    assert PAIN_TEXT.startswith("How is your back today, 0–10?")
    events = agent.processor.trackers["telegram:42"].events
    assert [e.text for e in events if e.type_name == "bot"] == [PAIN_TEXT]
    assert [e.key for e in events if isinstance(e, SlotSet)] == [names.PAIN_QUESTION]
    [reply] = await delivery.due_replies(agent, "rest:me")
    assert reply["text"] == PAIN_TEXT and reply["buttons"] == [{"title": "Stop check-ins", "payload": "/stop_checkins"}]


async def test_quiet_hours_follow_the_persons_time_zone(
    tmp_path: Path, store: GuidanceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHECKIN_QUIET_HOURS", "21-8")
    clock = [datetime(2026, 12, 1, 13, 30, tzinfo=timezone.utc).timestamp()]  # 22:30 in Tokyo
    monkeypatch.setattr("backcare.checkins.time.time", lambda: clock[0])
    monkeypatch.setattr("channels.checkins.time.time", lambda: clock[0])
    checkins = CheckinStore(f"sqlite:///{tmp_path / 'trackers.db'}", 86400)
    checkins.schedule_pain_check("telegram:1", 1, now=clock[0] - 2)
    checkins.schedule_pain_check("telegram:2", 1, now=clock[0] - 2)
    telegram = FlakyTelegram(failures=0)
    processor = Processor()
    processor.trackers["telegram:1"] = tracker_in("telegram:1", "Asia/Tokyo")
    agent = SimpleNamespace(lock_store=InMemoryLockStore(), processor=processor)
    delivery = CheckinDelivery(checkins, store, telegram)
    await delivery.tick(agent)
    assert [m["to"] for m in telegram.sent] == ["telegram:2"]  # UTC until said: 13:30, not quiet
    clock[0] += 9 * 3600 + 29 * 60  # 22:59 UTC, 07:59 in Tokyo
    await delivery.tick(agent)
    assert [m["to"] for m in telegram.sent] == ["telegram:2"]
    clock[0] += 60  # 08:00 in Tokyo
    await delivery.tick(agent)
    assert [m["to"] for m in telegram.sent] == ["telegram:2", "telegram:1"]


async def test_forget_me_erases_the_button_payloads_the_telegram_connector_holds(
    tmp_path: Path, store: GuidanceStore
) -> None:
    memory = TelegramMemory("1")
    await memory.keep_payload("42", "#k", "a long payload quoting the person")
    checkins = CheckinStore(f"sqlite:///{tmp_path / 'trackers.db'}", 1)
    checkins.request_forget("telegram:42")
    agent = an_agent()
    delivery = CheckinDelivery(checkins, store, None)
    delivery.start(lambda: None, lambda: memory)
    try:
        await delivery.tick(agent)
    finally:
        await delivery.stop()
    assert await memory.payload("42", "#k") is None
