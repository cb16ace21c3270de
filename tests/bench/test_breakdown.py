"""Where a message's time goes: the timing wrapper on a stand-in processor, and pairing/aggregating its lines."""

import asyncio
import io
import json
import time
from pathlib import Path
from typing import Any, List

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
            # Slept at least this long; scheduling on a busy machine adds, never subtracts.
            assert sleeps[stage] * 1000 <= line[f"{stage}_ms"] < sleeps[stage] * 1000 + 40, stage
        assert line["action_calls"] == 1
        assert line["processor_ms"] >= sum(sleeps.values()) * 1000
        assert line["processor_ms"] >= sum(line[f"{s}_ms"] for s in breakdown.MEASURED) + 30


def test_calls_outside_a_message_are_not_counted() -> None:
    # Check-ins fetch and save trackers in the background, with no message being handled.
    processor, sink = Processor({"tracker_store": 0.01, "nlu": 0, "policies": 0, "action_server": 0, "other": 0}), \
        io.StringIO()
    timed(processor, sink)
    asyncio.run(processor.save_tracker())
    assert sink.getvalue() == ""


# Lines the timed Rasa server wrote during a verification run (bench/timed_rasa.py, our bot),
# two turns of one sequential conversation and one of the warm-up.
CAPTURED = [
    {"sender": "rest:warm-0a1b2c3d4e", "processor_ms": 301.2, "action_calls": 2, "nlu_ms": 60.1,
     "policies_ms": 30.5, "action_server_ms": 150.0, "tracker_store_ms": 40.3},
    {"sender": "rest:ours-sequential-5f6a7b8c9d", "processor_ms": 180.4, "action_calls": 2, "nlu_ms": 40.2,
     "policies_ms": 20.1, "action_server_ms": 80.0, "tracker_store_ms": 30.0},
    {"sender": "rest:ours-sequential-5f6a7b8c9d", "processor_ms": 120.0, "action_calls": 1, "nlu_ms": 35.0,
     "policies_ms": 15.0, "action_server_ms": 50.0, "tracker_store_ms": 10.0},
]


def test_turns_pair_in_order_within_their_conversation_and_stages_add_up_to_the_round_trip() -> None:
    samples = [("ours-sequential-5f6a7b8c9d", 0.2), ("ours-sequential-5f6a7b8c9d", 0.15)]
    turns = breakdown.pair(CAPTURED, samples)
    assert [t.processor_ms for t in turns] == [180.4, 120.0]  # the warm-up line is another stage's
    first = turns[0]
    assert first.stages["other_processing"] == pytest.approx(180.4 - 40.2 - 20.1 - 80.0 - 30.0)
    assert first.stages["http_channel_lock"] == pytest.approx(200 - 180.4)
    for turn in turns:
        assert sum(turn.stages.values()) == pytest.approx(turn.round_trip_ms)


def test_a_turn_the_server_never_logged_is_left_out_and_counted() -> None:
    # The channel answers some messages itself (no processor run), so there are fewer lines than turns.
    samples = [("ours-sequential-5f6a7b8c9d", 0.2), ("ours-sequential-5f6a7b8c9d", 0.15),
               ("ours-sequential-5f6a7b8c9d", 0.01)]
    summary = breakdown.summarize(breakdown.pair(CAPTURED, samples), len(samples))
    assert summary["messages"] == 3 and summary["paired"] == 2


def test_the_stock_bot_keeps_the_clients_sender_id() -> None:
    lines = [{**CAPTURED[1], "sender": "stock-sequential-1234", "action_calls": 0, "action_server_ms": 0.0}]
    turns = breakdown.pair(lines, [("stock-sequential-1234", 0.1)])
    assert len(turns) == 1 and turns[0].stages["action_server"] == 0


def test_shares_sum_to_one_and_percentiles_follow_the_turns(tmp_path: Path) -> None:
    log = tmp_path / "turn-timings.jsonl"
    log.write_text("".join(json.dumps(line) + "\n" for line in CAPTURED), encoding="utf-8")
    samples = [("ours-sequential-5f6a7b8c9d", 0.2), ("ours-sequential-5f6a7b8c9d", 0.15)]
    summary = breakdown.measure(log, samples)
    stages = summary["stages"]
    assert sum(s["share"] for s in stages.values()) == pytest.approx(1.0)
    assert stages["action_server"]["share"] == pytest.approx(130 / 350)
    assert stages["nlu"]["p50_ms"] == pytest.approx(37.6) and stages["nlu"]["p95_ms"] == pytest.approx(39.94)
    assert summary["total"]["p50_ms"] == pytest.approx(175)
    assert summary["action_calls_per_message"] == 1.5


def test_the_report_shows_both_bots_or_says_it_was_not_measured() -> None:
    samples = [("ours-sequential-5f6a7b8c9d", 0.2), ("ours-sequential-5f6a7b8c9d", 0.15)]
    ours = breakdown.summarize(breakdown.pair(CAPTURED, samples), 2)
    stock_line = {**CAPTURED[1], "sender": "stock-sequential-1", "action_calls": 0, "action_server_ms": 0.0}
    stock = breakdown.summarize(breakdown.pair([stock_line], [("stock-sequential-1", 0.1)]), 1)
    text = "\n".join(_breakdown_section({"ours": ours, "stock": stock}))
    assert "Assistant p50" in text and "Stock bot p50" in text
    row: List[str] = next(line for line in text.splitlines() if line.startswith("| action server calls"))
    assert "37 %" in row and row.rstrip(" |").endswith("0 %")
    assert "Not measured" in "\n".join(_breakdown_section({}))
