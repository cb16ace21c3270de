"""Load test of the scale-out stack: concurrent conversations over several Rasa replicas.

Every conversation is one person: it sends its next message only after the previous answer,
and each message goes to a randomly chosen replica, so consecutive turns of one conversation
hop between servers that share PostgreSQL (trackers) and Redis (locks). Afterwards every
conversation's tracker is read back from the database and checked: each message sent appears
exactly once, in order, and is followed by a bot reply. Also counted: HTTP errors, replies that
are the channel's apology (a turn that produced nothing), and lock failures in the replica logs.

Some conversations say yes to the 48-hour check-in. REST cannot be messaged unprompted, so a
check-in comes with the first reply after it fell due, claimed by whichever replica takes that
turn while both replicas' delivery loops poll the same table. Each must reach its conversation
once, and every check-in due before the conversation's last message must have reached it.

Usage::

    python -m bench.load --start [--conversations 50] [--turns 20]   # what `make load` runs
    python -m bench.load --url http://127.0.0.1:5005 --url http://127.0.0.1:5006 \\
        --db "$TRACKER_STORE_URL" --log var/rasa-5005.log --log var/rasa-5006.log

``--start`` starts its own stack (PostgreSQL, Redis, action server, two replicas) in a temporary
folder on free ports, like the tests, at ``CHECKIN_TIME_SCALE=86400`` (``--checkin-scale``) so
that check-ins fall due within seconds; otherwise point it at running replicas (``make run-cluster``).
The report goes to ``bench/results/load.json`` and ``load.md``; the exit code is 1 on any problem.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import AbstractSet, Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

import aiohttp
import sqlalchemy as sa

from backcare import settings
from channels.checkins import INTRO
from channels.conversation_ids import REST, conversation_id
from channels.guard import APOLOGY
from scripts.cluster import remove, start_cluster

RESULTS = Path(__file__).resolve().parent / "results"
REQUEST_TIMEOUT_SECONDS = 60.0
# What a failed lock looks like in a Rasa log (LockStore raises LockError with these texts).
LOCK_FAILURE = re.compile(r"LockError|Could not acquire lock|Error while acquiring lock")
# What Rasa logs when a custom action fails (its reply, e.g. the session's disclaimer, is lost).
ACTION_FAILURE = re.compile(r"Encountered an exception while running action")

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
# Polls per second of each replica's check-in loop in a --start run, so the loops and the turns meet.
LOAD_POLL_SECONDS = "0.5"


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


def stored_turns(db_url: str, senders: Iterable[str]) -> Dict[str, List[Tuple[str, str]]]:
    """``(type, text)`` of the user and bot events of each REST sender's conversation, in stored order."""
    engine = sa.create_engine(db_url)
    query = sa.text(
        "SELECT type_name, data FROM events WHERE sender_id = :sender AND type_name IN ('user', 'bot') ORDER BY id"
    )
    found: Dict[str, List[Tuple[str, str]]] = {}
    try:
        with engine.connect() as connection:
            for sender in senders:
                rows = connection.execute(query, {"sender": conversation_id(REST, sender)})
                found[sender] = [(kind, str(json.loads(data).get("text") or "")) for kind, data in rows]
    finally:
        engine.dispose()
    return found


def check_conversation(
    sent: Sequence[str], stored: Sequence[Tuple[str, str]], resent: AbstractSet[int] = frozenset()
) -> List[str]:
    """Problems with one stored conversation; an empty list when it is exactly what was sent.

    Each sent message must be stored once, in order, and be followed by a bot event before the
    next user event. A message in ``resent`` (re-sent after a replica dropped it mid-turn) may be
    stored twice in a row: the dropped attempt may have been saved before the replica died.
    """
    problems: List[str] = []
    position = 0
    last_user: Optional[int] = None
    answered = True
    for kind, text in stored:
        if kind == "bot":
            answered = True
            continue
        if not answered:
            problems.append(f"user message {last_user} has no bot reply")
        answered = False
        if position < len(sent) and text == sent[position]:
            last_user = position
            position += 1
        elif last_user is not None and last_user in resent and text == sent[last_user]:
            resent = resent - {last_user}  # at most one extra copy
        else:
            problems.append(f"unexpected user message {text!r} after message {last_user}")
    if not answered:
        problems.append(f"user message {last_user} has no bot reply")
    if position < len(sent):
        problems.append(f"{len(sent) - position} of {len(sent)} messages missing, from {sent[position]!r} on")
    return problems


def check_trackers(db_url: str, result: LoadResult) -> Dict[str, List[str]]:
    """Problems per conversation, read back from the tracker store (only conversations with problems)."""
    stored = stored_turns(db_url, result.sent)
    resent = result.resent
    problems = {
        sender: check_conversation(messages, stored.get(sender, []), resent.get(sender, set()))
        for sender, messages in result.sent.items()
    }
    return {sender: found for sender, found in problems.items() if found}


@dataclass
class CheckinFigures:
    """What happened to the check-ins of a run, and the conversations where it went wrong."""

    scheduled: int = 0
    delivered: int = 0
    received: int = 0
    problems: Dict[str, List[str]] = field(default_factory=dict)


def check_checkins(db_url: str, result: LoadResult) -> CheckinFigures:
    """Compare the run's check-in rows in the database with the check-ins the conversations received.

    A conversation must receive each delivered check-in exactly once, and every check-in due
    before its last message was sent must have been delivered (REST gets it with the next reply).
    """
    senders = {conversation_id(REST, sender): sender for sender in result.sent}
    engine = sa.create_engine(db_url)
    rows: List[Any] = []
    try:
        with engine.connect() as connection:
            if sa.inspect(connection).has_table("backcare_checkins"):
                query = sa.text(
                    "SELECT sender_id, due_at, delivered_at, cancelled_at FROM backcare_checkins "
                    "WHERE kind = 'heat_48h' AND sender_id IN :senders"
                ).bindparams(sa.bindparam("senders", expanding=True))
                rows = list(connection.execute(query, {"senders": sorted(senders)}))
    finally:
        engine.dispose()
    last_sent: Dict[str, float] = {}
    for turn in result.turns:
        last_sent[turn.sender] = max(last_sent.get(turn.sender, 0.0), turn.sent_at)
    received = result.check_ins_received()
    figures = CheckinFigures(scheduled=len(rows), received=sum(received.values()))
    delivered: Dict[str, int] = {}
    for row in rows:
        sender = senders[row.sender_id]
        if row.delivered_at is not None:
            figures.delivered += 1
            delivered[sender] = delivered.get(sender, 0) + 1
        elif row.cancelled_at is None and row.due_at < last_sent.get(sender, 0.0):
            figures.problems.setdefault(sender, []).append("a check-in due before the last message never came")
    for sender in set(delivered) | set(received):
        got, sent = received.get(sender, 0), delivered.get(sender, 0)
        if got != sent:
            figures.problems.setdefault(sender, []).append(f"{sent} check-ins delivered, {got} received")
    return figures


def log_offsets(logs: Iterable[Path]) -> Dict[Path, int]:
    """Current sizes of the log files, to read only what a run adds."""
    return {log: log.stat().st_size if log.exists() else 0 for log in logs}


def log_lines(offsets: Dict[Path, int], pattern: re.Pattern[str]) -> List[str]:
    """Log lines matching ``pattern`` written since ``offsets``."""
    lines: List[str] = []
    for log, offset in offsets.items():
        with log.open("rb") as handle:
            handle.seek(offset)
            text = handle.read().decode("utf-8", errors="replace")
        lines.extend(f"{log.name}: {line}" for line in text.splitlines() if pattern.search(line))
    return lines


def lock_failures(offsets: Dict[Path, int]) -> List[str]:
    """Log lines about failed locks written since ``offsets``."""
    return log_lines(offsets, LOCK_FAILURE)


def action_failures(offsets: Dict[Path, int]) -> List[str]:
    """Log lines about failed custom actions written since ``offsets``."""
    return log_lines(offsets, ACTION_FAILURE)


def summary(
    result: LoadResult,
    problems: Dict[str, List[str]],
    locks: List[str],
    actions: List[str],
    replicas: int,
    checkins: Optional[CheckinFigures] = None,
) -> Dict[str, Any]:
    """The figures of a run, as written to the JSON report."""
    duplicated = sum(1 for found in problems.values() for p in found if p.startswith("unexpected"))
    missing = sum(1 for found in problems.values() for p in found if "missing" in p or "no bot reply" in p)
    checkins = checkins or CheckinFigures()
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "replicas": replicas,
        "conversations": len(result.sent),
        "turns_per_conversation": max((len(m) for m in result.sent.values()), default=0),
        "turns": len(result.turns),
        "wall_seconds": round(result.wall_seconds, 2),
        "throughput_turns_per_second": round(result.throughput, 2),
        "latency_p50_ms": round(result.percentile(50) * 1000),
        "latency_p95_ms": round(result.percentile(95) * 1000),
        "latency_max_ms": round(max(result.latencies(), default=0.0) * 1000),
        "http_errors": len(result.http_errors),
        "apologies": len(result.apologies),
        "resent_after_drop": sum(len(v) for v in result.resent.values()),
        "conversations_with_problems": len(problems),
        "unexpected_or_duplicated_messages": duplicated,
        "missing_messages_or_replies": missing,
        "lock_failures": len(locks),
        "action_failures": len(actions),
        "checkins_scheduled": checkins.scheduled,
        "checkins_delivered": checkins.delivered,
        "checkins_received": checkins.received,
        "conversations_with_checkin_problems": len(checkins.problems),
        "problems": {k: v for k, v in list(problems.items())[:20]},
        "checkin_problems": {k: v for k, v in list(checkins.problems.items())[:20]},
        "lock_failure_lines": locks[:20],
        "action_failure_lines": actions[:20],
        "errors": [asdict(t) for t in (result.http_errors + result.apologies)[:20]],
    }


def passed(report: Dict[str, Any]) -> bool:
    """Whether a run had no error of any kind."""
    return not (
        report["http_errors"]
        or report["apologies"]
        or report["conversations_with_problems"]
        or report["lock_failures"]
        or report["action_failures"]
        or report.get("conversations_with_checkin_problems")
    )


def markdown(report: Dict[str, Any]) -> str:
    """The report as a short Markdown table."""
    rows = [
        ("Conversations x turns", f"{report['conversations']} x {report['turns_per_conversation']} "
                                  f"({report['turns']} turns) over {report['replicas']} replicas"),
        ("Wall time", f"{report['wall_seconds']} s"),
        ("Throughput", f"{report['throughput_turns_per_second']} turns/s"),
        ("Latency p50 / p95 / max", f"{report['latency_p50_ms']} / {report['latency_p95_ms']} / "
                                    f"{report['latency_max_ms']} ms"),
        ("HTTP errors", report["http_errors"]),
        ("Apologies (failed turns)", report["apologies"]),
        ("Conversations with lost, duplicated or unanswered messages", report["conversations_with_problems"]),
        ("Lock failures in the replica logs", report["lock_failures"]),
        ("Failed custom actions in the replica logs", report["action_failures"]),
        ("Check-ins scheduled / delivered / received in replies",
         f"{report['checkins_scheduled']} / {report['checkins_delivered']} / {report['checkins_received']}"),
        ("Conversations with a check-in lost or received twice", report["conversations_with_checkin_problems"]),
    ]
    lines = [f"# Load test, {report['date']}", "", "| | |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    lines += ["", "Result: " + ("**pass**" if passed(report) else "**FAIL**"), ""]
    return "\n".join(lines)


def _write(report: Dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "load.json").write_text(json.dumps(report, indent=2) + "\n")
    (folder / "load.md").write_text(markdown(report))


def measure(
    urls: Sequence[str], db_url: str, logs: Sequence[Path], conversations: int, turns: int, seed: int
) -> Dict[str, Any]:
    """Run the load, then check the trackers and the logs; return the report."""
    offsets = log_offsets(logs)
    result = asyncio.run(run_load(urls, conversations, turns, seed))
    problems = check_trackers(db_url, result)
    checkins = check_checkins(db_url, result)
    return summary(result, problems, lock_failures(offsets), action_failures(offsets), len(urls), checkins)


def main(argv: Optional[List[str]] = None) -> int:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    parser.add_argument("--start", action="store_true", help="start a private stack with two replicas")
    parser.add_argument("--url", action="append", default=[], help="a replica's base URL (repeat)")
    parser.add_argument("--db", help="the replicas' TRACKER_STORE_URL (needed without --start)")
    parser.add_argument("--log", action="append", type=Path, default=[], help="a replica's log file (repeat)")
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--checkin-scale", default="86400", help="CHECKIN_TIME_SCALE of a --start stack")
    args = parser.parse_args(argv)
    if args.start:
        print("Starting PostgreSQL, Redis, the action server and two Rasa replicas...", flush=True)
        cluster = start_cluster([[], []], CHECKIN_TIME_SCALE=args.checkin_scale,
                                CHECKIN_POLL_SECONDS=LOAD_POLL_SECONDS, CHECKIN_QUIET_HOURS="")
        try:
            report = measure(cluster.urls, cluster.postgres.url, cluster.replica_logs,
                             args.conversations, args.turns, args.seed)
        finally:
            cluster.stop()
            remove(cluster.folder)
    else:
        if not args.url or not args.db:
            parser.error("give --start, or --url (at least one) and --db")
        report = measure(args.url, args.db, args.log, args.conversations, args.turns, args.seed)
    _write(report, args.out)
    print(markdown(report))
    return 0 if passed(report) else 1


if __name__ == "__main__":
    sys.exit(main())
