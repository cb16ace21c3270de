"""Stage 3, speed: per-message latency over REST, one conversation at a time and many at once."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Sequence, Tuple

import aiohttp
import numpy as np
from tqdm import tqdm

from bench.client import send


@dataclass
class LoadResult:
    """Latency percentiles (ms) and throughput of one load run; ``samples``: each answered turn's (sender, s)."""

    concurrency: int
    messages: int
    failed: int
    empty: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    throughput: float
    samples: List[Tuple[str, float]] = field(default_factory=list, repr=False)

    def to_json(self) -> Dict[str, Any]:
        """Plain data for the results file (without the per-turn samples)."""
        out = asdict(self)
        del out["samples"]
        return out


def conversations(texts: Sequence[str], count: int, turns: int, tag: str) -> List[Tuple[str, List[str]]]:
    """``count`` conversations of ``turns`` messages each, cycling through ``texts``.

    Each conversation has its own sender, so a share of messages opens a session, as real traffic does.
    """
    out = []
    for index in range(count):
        start = index * turns
        out.append((f"{tag}-{uuid.uuid4().hex[:10]}", [texts[(start + t) % len(texts)] for t in range(turns)]))
    return out


async def _load(url: str, plan: List[Tuple[str, List[str]]], concurrency: int, label: str) -> LoadResult:
    queue: asyncio.Queue = asyncio.Queue()
    for item in plan:
        queue.put_nowait(item)
    latencies: List[float] = []
    samples: List[Tuple[str, float]] = []
    failed = empty = 0
    bar = tqdm(total=sum(len(t) for _, t in plan), desc=label, unit="msg")
    connector = aiohttp.TCPConnector(limit=concurrency)

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal failed, empty
        while not queue.empty():
            sender, texts = queue.get_nowait()
            # Turns of one conversation go one after the other, as a person types.
            for text in texts:
                turn = await send(session, url, sender, text)
                # An empty list is a valid answer (the stock bot has nothing to say to some openers).
                if turn.ok:
                    latencies.append(turn.seconds)
                    samples.append((sender, turn.seconds))
                    empty += not turn.messages
                else:
                    failed += 1
                bar.update()

    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    bar.close()
    ms = np.array(latencies) * 1000 if latencies else np.array([float("nan")])
    return LoadResult(
        concurrency=concurrency,
        messages=len(latencies),
        failed=failed,
        empty=empty,
        seconds=seconds,
        p50_ms=float(np.percentile(ms, 50)),
        p95_ms=float(np.percentile(ms, 95)),
        p99_ms=float(np.percentile(ms, 99)),
        mean_ms=float(ms.mean()),
        throughput=len(latencies) / seconds if seconds > 0 else 0.0,
        samples=samples,
    )


def warm_up(url: str, texts: Sequence[str], count: int = 5) -> None:
    """A few untimed messages, so lazy first-call work (graph tracing, DB setup) is not timed as latency."""
    plan = conversations(texts, count, 1, "warm")
    asyncio.run(_load(url, plan, 1, "warm-up"))


def measure(
    url: str, texts: Sequence[str], conversations_count: int, turns: int, concurrency: int, label: str
) -> LoadResult:
    """Send ``conversations_count`` × ``turns`` messages with ``concurrency`` conversations in flight.

    Args:
        url: Base URL of the Rasa server.
        texts: Messages to cycle through.
        conversations_count: How many conversations (senders).
        turns: Messages per conversation.
        concurrency: Conversations in flight at once (1: strictly sequential).
        label: Progress-bar label.

    Returns:
        Latency percentiles over the answered messages and the throughput.
    """
    plan = conversations(texts, conversations_count, turns, label.replace(" ", "-"))
    return asyncio.run(_load(url, plan, concurrency, label))
