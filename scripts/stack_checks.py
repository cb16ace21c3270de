"""What a run left in the stack: the trackers, the check-ins and the replicas' logs, checked against what was sent.

Every conversation's tracker is read back from the database: each message sent must appear
exactly once, in order, followed by a bot reply. Each check-in must reach its conversation once,
and every one due before the conversation's last message must have reached it. ``make load``
(``bench/load.py``) reports these; the cluster's end-to-end tests assert them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import AbstractSet, Any, Dict, Iterable, List, Optional, Sequence, Tuple

import sqlalchemy as sa

from channels.conversation_ids import REST, conversation_id
from scripts.load_runner import LoadResult

# What a failed lock looks like in a Rasa log (LockStore raises LockError with these texts).
LOCK_FAILURE = re.compile(r"LockError|Could not acquire lock|Error while acquiring lock")
# What Rasa logs when a custom action fails (its reply, e.g. the session's disclaimer, is lost).
ACTION_FAILURE = re.compile(r"Encountered an exception while running action")


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
