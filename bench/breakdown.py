"""Stage 3, where a message's time goes: NLU, policies, action server, tracker store, and the rest.

How it is measured: a thin timing wrapper that ``bench/timed_rasa.py`` installs in the bench's own
Rasa server processes (both bots), so the figures come from the real servers on the real traffic of
the sequential speed stage. Nothing in the product imports this module. Per message (one
``MessageProcessor.handle_message``) it adds up, with ``time.perf_counter``:

- ``nlu``: ``MessageProcessor.parse_message`` (the NLU graph);
- ``policies``: ``MessageProcessor._predict_next_with_tracker`` (the core graph), every prediction
  of the turn's action loop;
- ``action_server``: ``RemoteAction.run``, every call to the action server (building the request
  from the tracker, the HTTP round trip with the server's own work, reading the reply);
- ``tracker_store``: ``MessageProcessor.get_tracker`` and ``save_tracker`` (the store's retrieve and save);

and writes one JSON line per message. The bench then pairs each line with the client's round trip
of the same turn, which adds two derived stages so the stages sum to the round trip:

- ``other_processing``: the rest of ``handle_message`` (local actions such as ``utter_*`` templates
  and ``action_extract_slots``, event bookkeeping, the output channel);
- ``http_channel_lock``: round trip minus ``handle_message`` (HTTP, Sanic, the input channel,
  the conversation lock, JSON in and out).

Why not Rasa's ``--debug`` logs: in 3.6.21 most of the processor's lines are structlog events
(``processor.message.parse``, ``processor.actions.log``) logged after the work they describe, with
deep copies of the parse data and events; nothing marks the start of NLU or the end of a tracker
save, so stage borders would be guesses, and the deep copies and per-node graph logging slow the
very turn being measured. The wrapper costs a few ``perf_counter`` calls and one short line per
message (about 15 µs in-process, against turns of 50-150 ms; an A/B of our bot's sequential p50,
untimed 106 / 108 ms and timed 126 / 104 ms in alternating rounds, shows no effect above the
machine's noise), so it stays on during the normal latency pass instead of a separate one.
"""

from __future__ import annotations

import contextvars
import functools
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, TextIO, Tuple

import numpy as np

# bench/timed_rasa.py's own flag: where the timed Rasa server writes its lines (taken off the
# command line before Rasa reads it; only backcare/settings.py reads the environment).
LOG_FLAG = "--bench-timings"
MEASURED = ("nlu", "policies", "action_server", "tracker_store")
STAGES = (*MEASURED, "other_processing", "http_channel_lock")
LABELS = {
    "nlu": "NLU (parse_message)",
    "policies": "policies (action prediction)",
    "action_server": "action server calls (RemoteAction.run)",
    "tracker_store": "tracker store (retrieve + save)",
    "other_processing": "other processing (local actions, events, output)",
    "http_channel_lock": "HTTP, channel and lock (outside handle_message)",
    "total": "total (client round trip)",
}

# The timings of the message this task is handling; None outside handle_message (e.g. check-ins
# saving trackers in the background), so only a message's own work is counted.
_current: contextvars.ContextVar[Optional[Dict[str, float]]] = contextvars.ContextVar(
    "bench_breakdown", default=None)


def _add(stage: str, started: float) -> None:
    timings = _current.get()
    if timings is not None:
        timings[stage] += time.perf_counter() - started
        if stage == "action_server":
            timings["action_calls"] += 1


def timed_async(stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` (a coroutine function) adding its wall time to ``stage`` of the current message."""
    @functools.wraps(function)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await function(*args, **kwargs)
        finally:
            _add(stage, started)

    return wrapper


def timed_sync(stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` (a plain function) adding its wall time to ``stage`` of the current message."""
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _add(stage, started)

    return wrapper


def per_message(sink: TextIO, function: Callable[..., Any]) -> Callable[..., Any]:
    """``handle_message(self, message)`` timing the whole turn and writing its line to ``sink``."""
    @functools.wraps(function)
    async def wrapper(self: Any, message: Any, *args: Any, **kwargs: Any) -> Any:
        timings = dict.fromkeys((*MEASURED, "action_calls"), 0.0)
        token = _current.set(timings)
        started = time.perf_counter()
        try:
            return await function(self, message, *args, **kwargs)
        finally:
            processor = time.perf_counter() - started
            _current.reset(token)
            line = {"sender": message.sender_id, "processor_ms": processor * 1000,
                    "action_calls": int(timings.pop("action_calls"))}
            line.update({f"{stage}_ms": seconds * 1000 for stage, seconds in timings.items()})
            sink.write(json.dumps(line) + "\n")
            sink.flush()

    return wrapper


def install(log: Path) -> None:
    """Wrap Rasa's processor, remote action and tracker-store calls; one line per message to ``log``.

    Only ``bench/timed_rasa.py`` calls this, in a Rasa server the bench started.
    """
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor

    sink = log.open("a", encoding="utf-8")  # open for the server's lifetime; every line is flushed
    processor: Any = MessageProcessor
    processor.handle_message = per_message(sink, processor.handle_message)
    processor.parse_message = timed_async("nlu", processor.parse_message)
    processor._predict_next_with_tracker = timed_sync("policies", processor._predict_next_with_tracker)
    processor.get_tracker = timed_async("tracker_store", processor.get_tracker)
    processor.save_tracker = timed_async("tracker_store", processor.save_tracker)
    remote: Any = RemoteAction
    remote.run = timed_async("action_server", remote.run)


# Reading and aggregating ---------------------------------------------------------------------


@dataclass
class Turn:
    """One message's time per stage (ms), from the server's line and the client's round trip."""

    sender: str
    round_trip_ms: float
    processor_ms: float
    stages: Dict[str, float]
    action_calls: int


def read_log(path: Path) -> List[Dict[str, Any]]:
    """The timed server's lines, in the order it handled the messages (none if it wrote nothing)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _same_conversation(server_sender: str, client_sender: str) -> bool:
    # Our REST channel namespaces ids (`rest:<sender>`); the stock bot keeps the client's.
    return server_sender == client_sender or server_sender.endswith(":" + client_sender)


def pair(lines: Sequence[Dict[str, Any]], samples: Sequence[Tuple[str, float]]) -> List[Turn]:
    """Each client turn ``(sender, seconds)`` with the server line of the same conversation and turn.

    Turns of one conversation are matched in order; a turn the server never logged (a reply the
    channel gives without running the processor) is left out, as is any line of another stage.
    """
    by_sender: Dict[str, List[Dict[str, Any]]] = {}
    clients = {sender for sender, _ in samples}
    for line in lines:
        for client in clients:
            if _same_conversation(str(line["sender"]), client):
                by_sender.setdefault(client, []).append(line)
                break
    seen: Dict[str, int] = {}
    turns = []
    for sender, seconds in samples:
        index = seen.get(sender, 0)
        seen[sender] = index + 1
        logged = by_sender.get(sender, [])
        if index >= len(logged):
            continue
        line = logged[index]
        round_trip, processor = seconds * 1000, float(line["processor_ms"])
        stages = {stage: float(line[f"{stage}_ms"]) for stage in MEASURED}
        stages["other_processing"] = max(0.0, processor - sum(stages.values()))
        stages["http_channel_lock"] = max(0.0, round_trip - processor)
        turns.append(Turn(sender, round_trip, processor, stages, int(line["action_calls"])))
    return turns


def _figures(values: Iterable[float], total: float) -> Dict[str, float]:
    array = np.array(list(values), dtype=float)
    return {
        "p50_ms": float(np.percentile(array, 50)),
        "p95_ms": float(np.percentile(array, 95)),
        "mean_ms": float(array.mean()),
        # Of all the time the client waited: shares of the means add up, percentiles do not.
        "share": float(array.sum() / total) if total > 0 else 0.0,
    }


def summarize(turns: Sequence[Turn], messages: int) -> Dict[str, Any]:
    """Per stage p50, p95, mean (ms) and share of the total, over the paired turns.

    Args:
        turns: The paired turns of one bot's sequential pass.
        messages: How many messages the client timed (turns missing from the server log show as the gap).

    Returns:
        ``{"messages", "paired", "action_calls_per_message", "stages": {stage: figures}, "total": figures}``,
        or just the counts when nothing paired.
    """
    out: Dict[str, Any] = {"messages": messages, "paired": len(turns)}
    if not turns:
        return out
    total = sum(turn.round_trip_ms for turn in turns)
    out["action_calls_per_message"] = sum(turn.action_calls for turn in turns) / len(turns)
    out["stages"] = {stage: _figures((turn.stages[stage] for turn in turns), total) for stage in STAGES}
    out["total"] = _figures((turn.round_trip_ms for turn in turns), total)
    return out


def measure(log: Path, samples: Sequence[Tuple[str, float]]) -> Dict[str, Any]:
    """The breakdown of the client turns ``samples`` from the timed server's ``log``."""
    return summarize(pair(read_log(log), samples), len(samples))
