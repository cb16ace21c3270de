"""Check-ins the person asked for, kept in the conversations' database and claimed exactly once.

A table of our own (``backcare_checkins``) beside Rasa's ``events``, on ``TRACKER_STORE_URL``
(SQLite or PostgreSQL), so a check-in survives a restart of every process and every Rasa server
sees the same ones. We claim rows with a conditional ``UPDATE`` rather than using APScheduler's
job store: its jobs run in whichever process holds them, with no claim shared across replicas,
and a pickled job cannot be listed, cancelled or erased per person. The conditional update is
atomic on both databases, so of two servers polling at once only one gets each row. When a
check-in may go out (quiet hours, the back-off after a failure) is :mod:`backcare.checkin_times`.
"""

import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, List, Optional, Sequence, Set, Union

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError

from backcare import settings
from backcare.checkin_times import retry_delay

# Check-in kinds. "forget" is a request to erase a conversation, carried out by the Rasa server
# when no turn of that conversation is running (see channels/checkins.py).
HEAT_48H = "heat_48h"
# "How is your back today, 0-10?", a few days after the person said yes or gave a score.
PAIN = "pain"
FORGET = "forget"
# The kinds that are messages to the person (not erase requests).
MESSAGES = (HEAT_48H, PAIN)
HEAT_WINDOW_HOURS = 48.0
# A claim not marked delivered after this long belongs to a server that died mid-delivery; the
# row is claimed again (the one case where a check-in may arrive twice).
LEASE_SECONDS = 300.0
MAX_ATTEMPTS = 20

_metadata = sa.MetaData()
checkins = sa.Table(
    "backcare_checkins",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    # Hours since the onset when the check-in was scheduled, and when (epoch seconds).
    sa.Column("onset_hours", sa.Float, nullable=False, default=0.0),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("due_at", sa.Float, nullable=False, index=True),
    sa.Column("next_attempt_at", sa.Float, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("claimed_at", sa.Float, nullable=True),
    sa.Column("claimed_by", sa.String(64), nullable=True),
    sa.Column("delivered_at", sa.Float, nullable=True),
    sa.Column("cancelled_at", sa.Float, nullable=True),
)


@dataclass(frozen=True)
class Checkin:
    """One scheduled check-in (or erase request) as stored."""

    id: int
    sender_id: str
    kind: str
    onset_hours: float
    created_at: float
    due_at: float
    attempts: int

    def hours_since_onset(self, now: float, scale: float) -> float:
        """Hours since the onset at ``now``, on the check-in clock (``scale`` times real time)."""
        return self.onset_hours + (now - self.created_at) * scale / 3600.0


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # The action server and the Rasa servers write the same file: wait for its lock.
        return sa.create_engine(url, connect_args={"timeout": 15})
    return sa.create_engine(url, pool_pre_ping=True)


class CheckinStore:
    """Schedules, claims, delivers, cancels and erases check-ins in one SQL database.

    Args:
        url: A SQLAlchemy URL, normally ``TRACKER_STORE_URL``.
        scale: ``CHECKIN_TIME_SCALE``: every delay is divided by it.
    """

    def __init__(self, url: str, scale: float = 1.0) -> None:
        self.url = url
        self.scale = scale
        self._engine: Optional[Engine] = None

    @property
    def engine(self) -> Engine:
        """The engine, created with the table on first use (no I/O before that)."""
        if self._engine is None:
            engine = _engine(self.url)
            try:
                _metadata.create_all(engine)
            except DatabaseError:
                # Another process created the table between our check and our CREATE.
                _metadata.create_all(engine)
            self._engine = engine
        return self._engine

    def schedule_heat_check(self, sender_id: str, onset_hours: float, now: Optional[float] = None) -> Checkin:
        """Store a check-in due when the pain is 48 hours old; one per conversation.

        An earlier pending heat check-in of the same conversation is replaced, so saying yes
        twice does not send two messages.
        """
        now = time.time() if now is None else now
        due = now + max(0.0, HEAT_WINDOW_HOURS - onset_hours) * 3600.0 / self.scale
        with self.engine.begin() as connection:
            connection.execute(self._pending(sa.update(checkins), sender_id, HEAT_48H).values(cancelled_at=now))
            result = connection.execute(
                sa.insert(checkins).values(
                    sender_id=sender_id, kind=HEAT_48H, onset_hours=onset_hours, created_at=now,
                    due_at=due, next_attempt_at=due, attempts=0,
                )
            )
            (row_id,) = result.inserted_primary_key
        return Checkin(int(row_id), sender_id, HEAT_48H, onset_hours, now, due, 0)

    def schedule_pain_check(self, sender_id: str, days: float, now: Optional[float] = None) -> Checkin:
        """Store a "how is your back today, 0-10?" check-in due in ``days``; one per conversation.

        An earlier pending pain check-in is replaced: each answer schedules the next one.
        """
        now = time.time() if now is None else now
        due = now + days * 86400.0 / self.scale
        with self.engine.begin() as connection:
            connection.execute(self._pending(sa.update(checkins), sender_id, PAIN).values(cancelled_at=now))
            result = connection.execute(
                sa.insert(checkins).values(
                    sender_id=sender_id, kind=PAIN, onset_hours=0.0, created_at=now, due_at=due,
                    next_attempt_at=due, attempts=0,
                )
            )
            (row_id,) = result.inserted_primary_key
        return Checkin(int(row_id), sender_id, PAIN, 0.0, now, due, 0)

    def request_forget(self, sender_id: str, now: Optional[float] = None) -> None:
        """Cancel the conversation's check-ins and queue the erasure of everything kept about it."""
        now = time.time() if now is None else now
        with self.engine.begin() as connection:
            connection.execute(self._pending(sa.update(checkins), sender_id).values(cancelled_at=now))
            connection.execute(
                sa.insert(checkins).values(
                    sender_id=sender_id, kind=FORGET, onset_hours=0.0, created_at=now, due_at=now,
                    next_attempt_at=now, attempts=0,
                )
            )

    def cancel(self, sender_id: str, now: Optional[float] = None) -> int:
        """Cancel the conversation's pending check-ins, of every kind; the number cancelled."""
        now = time.time() if now is None else now
        with self.engine.begin() as connection:
            pending = self._pending(sa.update(checkins), sender_id, MESSAGES)
            result = connection.execute(pending.values(cancelled_at=now))
        return int(result.rowcount)

    def pending(self, sender_id: str) -> List[Checkin]:
        """The conversation's check-ins not yet delivered or cancelled, soonest first."""
        query = self._pending(sa.select(checkins), sender_id, MESSAGES).order_by(checkins.c.due_at)
        with self.engine.connect() as connection:
            return [_checkin(row) for row in connection.execute(query)]

    def claim_due(
        self,
        prefix: str = "",
        now: Optional[float] = None,
        claimer: Optional[str] = None,
        kind: Union[str, Sequence[str], None] = None,
        sender_id: Optional[str] = None,
    ) -> List[Checkin]:
        """Claim every due check-in of conversations starting with ``prefix``; each row goes to one claimer.

        Args:
            prefix: Only conversations whose id starts with it (``telegram:``); "" for all.
            now: The time, for tests.
            claimer: Who claims (a fresh id by default).
            kind: Only check-ins of this kind (``HEAT_48H``, ``PAIN``, ``FORGET``) or these kinds.
            sender_id: Only this conversation's.

        Returns:
            The check-ins this call claimed: deliver each, then ``delivered`` or ``failed``.
        """
        now = time.time() if now is None else now
        claimer = claimer or uuid.uuid4().hex
        claimable = sa.and_(
            checkins.c.delivered_at.is_(None),
            checkins.c.cancelled_at.is_(None),
            checkins.c.next_attempt_at <= now,
            sa.or_(checkins.c.claimed_at.is_(None), checkins.c.claimed_at < now - LEASE_SECONDS),
        )
        if prefix:
            claimable = sa.and_(claimable, checkins.c.sender_id.startswith(prefix, autoescape=True))
        if kind is not None:
            claimable = sa.and_(claimable, _of_kind(kind))
        if sender_id is not None:
            claimable = sa.and_(claimable, checkins.c.sender_id == sender_id)
        with self.engine.connect() as connection:
            candidates = [_checkin(row) for row in connection.execute(sa.select(checkins).where(claimable))]
        claimed = []
        for candidate in candidates:
            # The WHERE repeats the conditions: whoever updates the row first wins, the other
            # sees rowcount 0. Atomic on SQLite (one writer) and PostgreSQL (row lock + recheck).
            with self.engine.begin() as connection:
                result = connection.execute(
                    sa.update(checkins)
                    .where(checkins.c.id == candidate.id, claimable)
                    .values(claimed_at=now, claimed_by=claimer)
                )
            if result.rowcount == 1:
                claimed.append(candidate)
        return claimed

    def delivered(self, checkin: Checkin, now: Optional[float] = None) -> None:
        """Record that ``checkin`` reached the person (or that the erasure was done)."""
        now = time.time() if now is None else now
        with self.engine.begin() as connection:
            connection.execute(sa.update(checkins).where(checkins.c.id == checkin.id).values(delivered_at=now))

    def postpone(self, checkin: Checkin, until: float) -> None:
        """Release a claim without trying: the check-in is tried again at ``until`` (quiet hours)."""
        with self.engine.begin() as connection:
            connection.execute(
                sa.update(checkins)
                .where(checkins.c.id == checkin.id)
                .values(claimed_at=None, claimed_by=None, next_attempt_at=until)
            )

    def failed(self, checkin: Checkin, now: Optional[float] = None) -> float:
        """Release a claim after a failed delivery, to be tried again after a back-off; the delay.

        After ``MAX_ATTEMPTS`` the check-in is given up (cancelled) rather than retried forever.
        """
        now = time.time() if now is None else now
        attempts = checkin.attempts + 1
        delay = retry_delay(attempts)
        values = {"attempts": attempts, "claimed_at": None, "claimed_by": None, "next_attempt_at": now + delay}
        if attempts >= MAX_ATTEMPTS:
            values["cancelled_at"] = now
        with self.engine.begin() as connection:
            connection.execute(sa.update(checkins).where(checkins.c.id == checkin.id).values(**values))
        return delay

    def erase(self, sender_id: str) -> None:
        """Delete every row of the conversation: its check-ins and its events in Rasa's ``events`` table."""
        with self.engine.begin() as connection:
            connection.execute(sa.delete(checkins).where(checkins.c.sender_id == sender_id, checkins.c.kind != FORGET))
            if sa.inspect(connection).has_table("events"):
                connection.execute(sa.text("DELETE FROM events WHERE sender_id = :sender"), {"sender": sender_id})

    def idle_conversations(self, cutoff: float) -> List[str]:
        """Conversations whose last event, or last check-in if they have no events, is before ``cutoff``."""
        with self.engine.connect() as connection:
            idle: Set[str] = set()
            if sa.inspect(connection).has_table("events"):
                rows = connection.execute(
                    sa.text("SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"),
                    {"cutoff": cutoff},
                )
                idle.update(str(sender) for (sender,) in rows)
            rows = connection.execute(
                sa.select(checkins.c.sender_id)
                .where(checkins.c.kind != FORGET)
                .group_by(checkins.c.sender_id)
                .having(sa.func.max(sa.func.coalesce(checkins.c.delivered_at, checkins.c.due_at)) < cutoff)
            )
            idle.update(str(sender) for (sender,) in rows)
        return sorted(idle)

    def erase_if_idle(self, sender_id: str, cutoff: float) -> bool:
        """Erase the conversation if nothing happened in it since ``cutoff``; whether it was erased.

        Checked again here because a message may have arrived since it was listed.
        """
        with self.engine.connect() as connection:
            latest = 0.0
            if sa.inspect(connection).has_table("events"):
                found = connection.execute(
                    sa.text("SELECT MAX(timestamp) FROM events WHERE sender_id = :sender"), {"sender": sender_id}
                ).scalar()
                latest = float(found or 0.0)
            pending = connection.execute(
                sa.select(sa.func.max(checkins.c.due_at)).where(
                    checkins.c.sender_id == sender_id, checkins.c.delivered_at.is_(None),
                    checkins.c.cancelled_at.is_(None),
                )
            ).scalar()
        if latest >= cutoff or pending is not None:
            return False
        self.erase(sender_id)
        return True

    def forget_done(self, checkin: Checkin) -> None:
        """Remove the erase request itself once carried out, so no row names the person."""
        with self.engine.begin() as connection:
            connection.execute(sa.delete(checkins).where(checkins.c.id == checkin.id))

    @staticmethod
    def _pending(statement: Any, sender_id: str, kind: Union[str, Sequence[str], None] = None) -> Any:
        """``statement`` restricted to the conversation's rows not yet delivered or cancelled."""
        where = [checkins.c.sender_id == sender_id, checkins.c.delivered_at.is_(None)]
        where.append(checkins.c.cancelled_at.is_(None))
        if kind is not None:
            where.append(_of_kind(kind))
        return statement.where(*where)


def _of_kind(kind: Union[str, Sequence[str]]) -> Any:
    """The condition that a row is of ``kind``, or of one of several kinds."""
    return checkins.c.kind == kind if isinstance(kind, str) else checkins.c.kind.in_(list(kind))


def _checkin(row: sa.engine.Row) -> Checkin:
    return Checkin(
        id=int(row.id), sender_id=str(row.sender_id), kind=str(row.kind), onset_hours=float(row.onset_hours),
        created_at=float(row.created_at), due_at=float(row.due_at), attempts=int(row.attempts),
    )


@lru_cache(maxsize=1)
def get_checkins() -> CheckinStore:
    """The check-in store on ``TRACKER_STORE_URL`` at ``CHECKIN_TIME_SCALE``, made on first use."""
    return CheckinStore(settings.tracker_store_url(), settings.checkin_time_scale())
