"""Where a message's time goes: the timing wrapper on a stand-in processor, and pairing/aggregating its lines."""

import asyncio
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest

from bench import breakdown
from bench.report import _breakdown_section


class Message:
    def __init__(self, sender_id: str) -> None:
        self.sender_id = sender_id


class Processor:
    """Shaped like Rasa's MessageProcessor turn: tracker fetch, NLU, two predictions, one action call, save."""

    def __init__(self, sleeps: dict) -> None:
        self.sleeps = sleeps

    async def get_tracker(self) -> None:
        await asyncio.sleep(self.sleeps["tracker_store"] / 2)

    async def parse_message(self) -> None:
        await asyncio.sleep(self.sleeps["nlu"])

    def predict(self) -> None:
        time.sleep(self.sleeps["policies"] / 2)

    async def call_action_server(self) -> None:
        await asyncio.sleep(self.sleeps["action_server"])

    async def save_tracker(self) -> None:
        await asyncio.sleep(self.sleeps["tracker_store"] / 2)

    async def handle_message(self, message: Message) -> None:
        await self.get_tracker()
        await self.parse_message()
        self.predict()
        await self.call_action_server()
        self.predict()
        await asyncio.sleep(self.sleeps["other"])
        await self.save_tracker()


def timed(processor: Processor, sink: io.StringIO) -> Any:
    processor.get_tracker = breakdown.timed_async("tracker_store", processor.get_tracker)  # type: ignore[method-assign]
    processor.save_tracker = breakdown.timed_async("tracker_store", processor.save_tracker)  # type: ignore[method-assign]
    processor.parse_message = breakdown.timed_async("nlu", processor.parse_message)  # type: ignore[method-assign]
    processor.predict = breakdown.timed_sync("policies", processor.predict)  # type: ignore[method-assign]
    processor.call_action_server = breakdown.timed_async(  # type: ignore[method-assign]
        "action_server", processor.call_action_server)
    return breakdown.per_message(sink, Processor.handle_message)


# A sandboxed kernel's timer can wake a sleep a fraction of a millisecond early (29.9 ms for 30 in CI).
EARLY_MS = 1


def test_each_stage_gets_the_time_spent_in_it_and_nothing_leaks_between_messages() -> None:
    sleeps = {"tracker_store": 0.02, "nlu": 0.03, "policies": 0.02, "action_server": 0.04, "other": 0.03}
    processor, sink = Processor(sleeps), io.StringIO()
    handle = timed(processor, sink)
    asyncio.run(handle(processor, Message("rest:a")))
    asyncio.run(handle(processor, Message("rest:b")))
    lines = [json.loads(line) for line in sink.getvalue().splitlines()]
    assert [line["sender"] for line in lines] == ["rest:a", "rest:b"]
    for line in lines:
        for stage in breakdown.MEASURED:
            # Scheduling on a busy machine adds time, never subtracts more than EARLY_MS.
            assert sleeps[stage] * 1000 - EARLY_MS <= line[f"{stage}_ms"] < sleeps[stage] * 1000 + 40, stage
        assert line["action_calls"] == 1
        assert line["processor_ms"] >= sum(sleeps.values()) * 1000 - 7 * EARLY_MS  # seven sleeps
        assert line["processor_ms"] >= sum(line[f"{s}_ms"] for s in breakdown.MEASURED) + 30 - EARLY_MS


def test_calls_outside_a_message_are_not_counted() -> None:
    # Check-ins fetch and save trackers in the background, with no message being handled.
    processor, sink = Processor({"tracker_store": 0.01, "nlu": 0, "policies": 0, "action_server": 0, "other": 0}), \
        io.StringIO()
    timed(processor, sink)
    asyncio.run(processor.save_tracker())
    assert sink.getvalue() == ""


# Lines the timed Rasa server wrote in a verification run (bench/timed_rasa.py, our bot, 2026-12-03):
# one warm-up turn, then the first two turns of one sequential conversation.
CAPTURED = [json.loads(line) for line in """\
{"sender": "rest:warm-4209a31c39", "processor_ms": 135.79091199790128, "action_calls": 2, "nlu_ms": 18.80141799483681, "policies_ms": 19.812295002338942, "action_server_ms": 79.94983100070385, "tracker_store_ms": 14.748994995898101}
{"sender": "rest:ours-sequential-2f12127833", "processor_ms": 129.93334299972048, "action_calls": 2, "nlu_ms": 18.15414900192991, "policies_ms": 21.108981003635563, "action_server_ms": 72.86941199708963, "tracker_store_ms": 15.439684000739362}
{"sender": "rest:ours-sequential-2f12127833", "processor_ms": 104.69736300001387, "action_calls": 1, "nlu_ms": 34.04587199474918, "policies_ms": 24.271359005069826, "action_server_ms": 32.78380600386299, "tracker_store_ms": 11.832719996164087}
""".splitlines()]  # noqa: E501
SENDER = "ours-sequential-2f12127833"
# The client's round trips of those two turns (s): the server's time plus a few ms of HTTP.
SAMPLES = [(SENDER, 0.1351), (SENDER, 0.1093)]


def test_turns_pair_in_order_within_their_conversation_and_stages_add_up_to_the_round_trip() -> None:
    turns = breakdown.pair(CAPTURED, SAMPLES)
    assert [t.processor_ms for t in turns] == [CAPTURED[1]["processor_ms"], CAPTURED[2]["processor_ms"]]
    first, line = turns[0], CAPTURED[1]
    measured = sum(line[f"{stage}_ms"] for stage in breakdown.MEASURED)
    assert first.stages["other_processing"] == pytest.approx(line["processor_ms"] - measured)
    assert first.stages["http_channel_lock"] == pytest.approx(135.1 - line["processor_ms"])
    assert first.action_calls == 2 and turns[1].action_calls == 1
    for turn in turns:
        assert sum(turn.stages.values()) == pytest.approx(turn.round_trip_ms)


def test_a_turn_the_server_never_logged_is_left_out_and_counted() -> None:
    # The channel answers some messages itself (no processor run), so there are fewer lines than turns.
    samples = [*SAMPLES, (SENDER, 0.01)]
    summary = breakdown.summarize(breakdown.pair(CAPTURED, samples), len(samples))
    assert summary["messages"] == 3 and summary["paired"] == 2


def test_the_stock_bot_keeps_the_clients_sender_id() -> None:
    lines = [{**CAPTURED[1], "sender": "stock-sequential-1234", "action_calls": 0, "action_server_ms": 0.0}]
    turns = breakdown.pair(lines, [("stock-sequential-1234", 0.1)])
    assert len(turns) == 1 and turns[0].stages["action_server"] == 0


def test_shares_sum_to_one_and_percentiles_follow_the_turns(tmp_path: Path) -> None:
    log = tmp_path / "turn-timings.jsonl"
    log.write_text("".join(json.dumps(line) + "\n" for line in CAPTURED), encoding="utf-8")
    summary = breakdown.measure(log, SAMPLES)
    stages = summary["stages"]
    assert sum(s["share"] for s in stages.values()) == pytest.approx(1.0)
    action_ms = CAPTURED[1]["action_server_ms"] + CAPTURED[2]["action_server_ms"]
    assert stages["action_server"]["share"] == pytest.approx(action_ms / (135.1 + 109.3))
    nlu = sorted((CAPTURED[1]["nlu_ms"], CAPTURED[2]["nlu_ms"]))
    assert stages["nlu"]["p50_ms"] == pytest.approx(sum(nlu) / 2)
    assert nlu[0] < stages["nlu"]["p95_ms"] < nlu[1]
    assert summary["total"]["p50_ms"] == pytest.approx(122.2)
    assert summary["action_calls_per_message"] == 1.5


def test_the_report_shows_both_bots_or_says_it_was_not_measured() -> None:
    ours = breakdown.summarize(breakdown.pair(CAPTURED, SAMPLES), 2)
    stock_line = {**CAPTURED[1], "sender": "stock-sequential-1", "action_calls": 0, "action_server_ms": 0.0}
    stock = breakdown.summarize(breakdown.pair([stock_line], [("stock-sequential-1", 0.1)]), 1)
    text = "\n".join(_breakdown_section({"ours": ours, "stock": stock}))
    assert "Assistant p50" in text and "Stock bot p50" in text
    row: str = next(line for line in text.splitlines() if line.startswith("| action server calls"))
    assert "43 %" in row and row.rstrip(" |").endswith("0 %")
    assert "Not measured" in "\n".join(_breakdown_section({}))


def test_install_wraps_the_rasa_methods_it_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A Rasa upgrade that renames one of them must fail here, not give a breakdown of zeros.
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor

    names = ["handle_message", "parse_message", "_predict_next_with_tracker", "get_tracker", "save_tracker"]
    originals = {name: getattr(MessageProcessor, name) for name in names}
    for name, original in originals.items():
        monkeypatch.setattr(MessageProcessor, name, original)  # restored after the test
    monkeypatch.setattr(RemoteAction, "run", RemoteAction.run)
    run = RemoteAction.run
    breakdown.install(tmp_path / "timings.jsonl")
    for name, original in originals.items():
        assert getattr(MessageProcessor, name).__wrapped__ is original, name
    assert RemoteAction.run.__wrapped__ is run
