"""Move conversations stored under un-namespaced ids to ``<channel>:<id>`` (see channels.conversation_ids).

Usage: ``python -m scripts.migrate_sender_ids [--url URL] [--dry-run]``; the URL defaults to
``TRACKER_STORE_URL``. ``make`` runs it before every Rasa start; a second run changes nothing.

Each conversation's channel is read from its user messages (Rasa stores ``input_channel`` with
each): Telegram chat ``42`` becomes ``telegram:42``, REST sender ``telegram:42`` becomes
``rest:telegram:42``. A conversation that already holds messages from two channels (someone
reached another's conversation before this existed), or whose new id is taken, moves to
``quarantined:<id>``: no channel maps any id there, so neither party sees the other's messages.
"""

# A one-off rename rather than a fallback on first read: a fallback would sit in every turn's
# path for good, and it would have to decide at read time, from the old conversation's events,
# whether REST sender "42" may inherit what Telegram chat 42 said; here that is decided once,
# for all conversations, before any server answers.

import argparse
import json
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import AbstractSet, Dict, Iterable, List, Mapping, Optional, Set, Tuple

import sqlalchemy as sa

from backcare import settings
from channels.conversation_ids import CHANNEL_NAMESPACES, QUARANTINED, conversation_id, identity_in

_TEMPORARY = "migrating"


@dataclass
class Plan:
    """What the migration does.

    Attributes:
        renames: Old id -> new id, for every conversation that moves (quarantined ones included).
        quarantined: Old id -> why it could not go to its channel's namespace.
    """

    renames: Dict[str, str] = field(default_factory=dict)
    quarantined: Dict[str, str] = field(default_factory=dict)


def _target(sender: str, channels: AbstractSet[Optional[str]]) -> Tuple[str, Optional[str]]:
    """Where one conversation belongs, and why it is quarantined if it is."""
    if identity_in(QUARANTINED, sender) is not None:
        return sender, None
    namespaces = {CHANNEL_NAMESPACES.get(channel or "") for channel in channels}
    if len(namespaces) != 1 or None in namespaces:
        names = ", ".join(sorted(channel or "none" for channel in channels))
        return conversation_id(QUARANTINED, sender), f"user messages from several or unknown channels ({names})"
    namespace = str(namespaces.pop())
    # Already in its own channel's namespace: migrated before, or written by a namespacing server.
    if identity_in(namespace, sender) is not None:
        return sender, None
    return conversation_id(namespace, sender), None


def plan(channels: Mapping[str, AbstractSet[Optional[str]]], existing: Iterable[str]) -> Plan:
    """Decide where every stored conversation goes.

    Args:
        channels: For each conversation with user messages, the ``input_channel`` of each (None
            where a message has none).
        existing: Every conversation id in the store, including those without user messages.

    Returns:
        The renames, and which of them are quarantines and why.
    """
    result = Plan()
    for sender, used in channels.items():
        target, reason = _target(sender, used)
        if target != sender:
            result.renames[sender] = target
        if reason:
            result.quarantined[sender] = reason
    staying = set(existing) - set(result.renames)
    for sender, target in list(result.renames.items()):
        # Taken by a conversation that stays (e.g. written by a namespacing server before this
        # ran): merging two conversations' turns would be worse than setting the old one aside.
        if target in staying and identity_in(QUARANTINED, target) is None:
            result.renames[sender] = conversation_id(QUARANTINED, sender)
            result.quarantined[sender] = f"{target} already exists"
    return result


def read_store(connection: sa.engine.Connection) -> Tuple[Dict[str, Set[Optional[str]]], Set[str]]:
    """The input channels of each conversation's user messages, and every conversation id."""
    channels: Dict[str, Set[Optional[str]]] = {}
    for sender, data in connection.execute(sa.text("SELECT sender_id, data FROM events WHERE type_name = 'user'")):
        try:
            channel = json.loads(data or "{}").get("input_channel")
        except (ValueError, AttributeError):
            channel = None
        channels.setdefault(sender, set()).add(channel if isinstance(channel, str) else None)
    existing = {sender for (sender,) in connection.execute(sa.text("SELECT DISTINCT sender_id FROM events"))}
    return channels, existing


def apply(connection: sa.engine.Connection, renames: Mapping[str, str]) -> None:
    """Rename the conversations, via temporary ids so that no rename lands on one not yet moved."""
    update = sa.text("UPDATE events SET sender_id = :new WHERE sender_id = :old")
    # Random, so a temporary id cannot be one that is already stored.
    run = secrets.token_hex(8)
    temporary = {old: f"{_TEMPORARY}:{run}:{index}" for index, old in enumerate(renames)}
    for old, parked in temporary.items():
        connection.execute(update, {"old": old, "new": parked})
    for old, parked in temporary.items():
        connection.execute(update, {"old": parked, "new": renames[old]})


def _sqlite_file_missing(url: sa.engine.URL) -> bool:
    # Connecting would create an empty database file that Rasa then finds instead of its own.
    return url.get_backend_name() == "sqlite" and bool(url.database) and not Path(str(url.database)).exists()


def migrate(url: str, dry_run: bool = False) -> Plan:
    """Plan the migration of the store at ``url`` and, unless ``dry_run``, carry it out in one transaction.

    Args:
        url: The tracker store's SQLAlchemy URL.
        dry_run: Only plan.

    Returns:
        The plan (empty when there is no store yet or nothing to move).
    """
    parsed = sa.engine.make_url(url)
    if _sqlite_file_missing(parsed):
        return Plan()
    engine = sa.create_engine(parsed)
    try:
        with engine.begin() as connection:
            if not sa.inspect(connection).has_table("events"):
                return Plan()
            result = plan(*read_store(connection))
            if not dry_run:
                apply(connection, result.renames)
        return result
    finally:
        engine.dispose()


def main(argv: Optional[List[str]] = None) -> int:
    """Migrate and say what moved; 1 if the store cannot be reached."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=settings.tracker_store_url(), help="tracker store (TRACKER_STORE_URL)")
    parser.add_argument("--dry-run", action="store_true", help="only say what would move")
    args = parser.parse_args(argv)
    try:
        result = migrate(args.url, args.dry_run)
    except sa.exc.SQLAlchemyError as error:
        print(f"Could not migrate the conversation ids: {error}", file=sys.stderr)
        return 1
    moved = len(result.renames) - len(result.quarantined)
    if result.renames:
        verb = "Would move" if args.dry_run else "Moved"
        print(f"{verb} {moved} conversations to channel-namespaced ids; {len(result.quarantined)} quarantined.")
    for sender, reason in sorted(result.quarantined.items()):
        print(f"  {sender!r} -> {result.renames[sender]!r}: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
