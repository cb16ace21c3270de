"""Load on the Rasa replicas: concurrent conversations, each a person who waits for every answer.

Every conversation sends its next message only after the previous answer, and each message goes
to a randomly chosen replica, so consecutive turns of one conversation hop between servers that
share PostgreSQL (trackers) and Redis (locks). A replica that drops a connection is left out from
then on, as a load balancer with health checks would. ``make load`` (``bench/load.py``) and the
cluster's end-to-end tests both drive the stack with :func:`run_load`.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

import aiohttp

from backcare import settings
from channels.checkins import INTRO
from channels.guard import APOLOGY

REQUEST_TIMEOUT_SECONDS = 60.0

# Short scripted conversations about the topics the bot knows; a load conversation strings
# randomly chosen scripts together until it has enough turns.
SCRIPTS: Tuple[Tuple[str, ...], ...] = (
    ("hi", "i hurt my back yesterday, can i put a heating pad on it?", "why?", "where is that from?"),
    ("should i use heat or ice on my lower back", "3 days ago", "why?"),
    ("i just bought an acupressure mat", "how long should i use it?", "why?"),
    ("how do i use a foam roller on my lower back", "where is that from?"),
    ("is walking good for lower back pain", "why?", "thanks"),
    ("what is a good sleeping position for back pain", "why?"),
    ("hello", "how should i sit at my desk", "thank you"),
    ("can massage help my lower back", "where is that from?", "bye"),
    # The offer's button: a 48-hour check-in, due 46 hours (divided by CHECKIN_TIME_SCALE) later.
    ("hi", "i hurt my back 2 hours ago, can i use a heat pack?", "/accept_checkin", "thanks"),
)


@dataclass
class TurnRecord:
    """One message sent and what came back."""

    sender: str
    index: int
    text: str
    replica: str
    status: int = 0
    # When it was first sent (epoch seconds) and how long until the answer.
    sent_at: float = 0.0
    seconds: float = 0.0
    replies: List[str] = field(default_factory=list)
    error: str = ""
    # A replica dropped the request while handling it, so the turn went to another replica:
    # the dropped attempt may or may not have been stored.
    resent_after_drop: bool = False

    @property
    def ok(self) -> bool:
        """Answered 200 with at least one reply that is not the apology."""
        return self.status == 200 and bool(self.replies) and APOLOGY not in self.replies


@dataclass
class LoadResult:
    """Every turn of a run, how long the run took, and what was sent to whom."""

    turns: List[TurnRecord]
    wall_seconds: float
    sent: Dict[str, List[str]]

    def latencies(self) -> List[float]:
        """Round-trip seconds of the answered turns."""
        return [t.seconds for t in self.turns if t.status == 200]

    def check_ins_received(self) -> Dict[str, int]:
        """How many check-in messages each conversation got in its replies."""
        received: Dict[str, int] = {}
        for turn in self.turns:
            received[turn.sender] = received.get(turn.sender, 0) + sum(r.startswith(INTRO) for r in turn.replies)
        return received

    def percentile(self, q: int) -> float:
        """The q-th percentile of the latencies, in seconds."""
        values = self.latencies()
        if len(values) < 2:
            return values[0] if values else 0.0
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1]

    @property
    def throughput(self) -> float:
        """Answered turns per second over the whole run."""
        return len(self.latencies()) / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def http_errors(self) -> List[TurnRecord]:
        """Turns that got no 200 answer at all."""
        return [t for t in self.turns if t.status != 200]

    @property
    def apologies(self) -> List[TurnRecord]:
        """Turns answered 200 but with the apology or nothing: the bot failed that turn."""
        return [t for t in self.turns if t.status == 200 and not t.ok]

    @property
    def resent(self) -> Dict[str, Set[int]]:
        """Turn indexes, per conversation, that were re-sent after a replica dropped them."""
        found: Dict[str, Set[int]] = {}
        for turn in self.turns:
            if turn.resent_after_drop:
                found.setdefault(turn.sender, set()).add(turn.index)
        return found


def conversation_messages(rng: random.Random, turns: int) -> List[str]:
    """``turns`` messages made of whole scripts, cut at ``turns``."""
    messages: List[str] = []
    while len(messages) < turns:
        messages.extend(rng.choice(SCRIPTS))
    return messages[:turns]


class Replicas:
    """The replicas a client may use; one that drops a connection is left out from then on.

    This is what a load balancer with health checks does, without the balancer.
    """

    def __init__(self, urls: Sequence[str], rng: random.Random) -> None:
        self.alive = list(urls)
        self.rng = rng

    def pick(self, avoid: Optional[str] = None) -> Optional[str]:
        """A random live replica (other than ``avoid`` when possible)."""
        choices = [u for u in self.alive if u != avoid] or self.alive
        return self.rng.choice(choices) if choices else None

    def drop(self, url: str) -> None:
        """Stop sending to ``url``."""
        if url in self.alive:
            self.alive.remove(url)


async def _send(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> Tuple[int, List[str]]:
    async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as response:
        if response.status != 200:
            return response.status, []
        body: Any = await response.json()
        return 200, [str(m.get("text") or "") for m in body if isinstance(m, dict)]


async def converse(
    session: aiohttp.ClientSession,
    replicas: Replicas,
    sender: str,
    messages: Sequence[str],
    records: List[TurnRecord],
    on_turn: Optional[Callable[[TurnRecord], None]] = None,
) -> None:
    """Send ``messages`` one after another, each to a random live replica."""
    for index, text in enumerate(messages):
        url = replicas.pick()
        if url is None:
            records.append(TurnRecord(sender, index, text, "", error="no replica left"))
            continue
        record = TurnRecord(sender, index, text, url, sent_at=time.time())
        started = time.monotonic()
        while True:
            try:
                record.status, record.replies = await _send(session, url, sender, text)
                break
            except aiohttp.ClientConnectorError:
                # Never reached the server: nothing was stored, sending elsewhere is safe.
                pass
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError, aiohttp.ClientPayloadError):
                record.resent_after_drop = True
            except asyncio.TimeoutError:
                record.error = "timeout"
                break
            replicas.drop(url)
            next_url = replicas.pick()
            if next_url is None:
                record.error = "no replica left"
                break
            url = record.replica = next_url
        record.seconds = time.monotonic() - started
        records.append(record)
        if on_turn is not None:
            on_turn(record)


async def run_load(
    urls: Sequence[str],
    conversations: int,
    turns: int,
    seed: int = 6,
    run_id: Optional[str] = None,
    on_turn: Optional[Callable[[TurnRecord], None]] = None,
) -> LoadResult:
    """Run ``conversations`` concurrent conversations of ``turns`` turns against ``urls``.

    Args:
        urls: Base URLs of the Rasa replicas.
        conversations: How many conversations run at the same time.
        turns: Messages per conversation.
        seed: Seed for the messages and the replica choices (a run is repeatable).
        run_id: Prefix of the conversation ids (default: random), so runs never share trackers.
        on_turn: Called after every turn, e.g. to kill a replica midway.
    """
    rng = random.Random(seed)
    run_id = run_id or uuid.uuid4().hex[:8]
    sent = {f"load-{run_id}-{i:03d}": conversation_messages(rng, turns) for i in range(conversations)}
    replicas = Replicas(urls, rng)
    records: List[TurnRecord] = []
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    connector = aiohttp.TCPConnector(limit=conversations + len(urls))
    started = time.monotonic()
    # REST needs the bearer token wherever the servers set REST_TOKEN (e.g. behind an ingress).
    token = settings.rest_token()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession(timeout=timeout, connector=connector, headers=headers) as session:
        await asyncio.gather(
            *(converse(session, replicas, sender, messages, records, on_turn) for sender, messages in sent.items())
        )
    return LoadResult(records, time.monotonic() - started, sent)
