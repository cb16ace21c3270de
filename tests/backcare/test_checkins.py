"""The check-in table: scheduling at the scaled time, one claimer per row, back-off, cancel, erase."""

import sqlite3
import threading
from pathlib import Path
from typing import List, Optional, Tuple

import pytest

from backcare import settings
from backcare.checkin_times import retry_delay
from backcare.checkins import HEAT_48H, LEASE_SECONDS, PAIN, Checkin, CheckinStore

pytestmark = pytest.mark.unit
NOW = 1_800_000_000.0


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "trackers.db"


def store(database: Path, scale: float = 1.0) -> CheckinStore:
    return CheckinStore(f"sqlite:///{database}", scale)


@pytest.mark.parametrize(
    ("scale", "onset_hours", "due_in"), [(1, 6, 42 * 3600), (86400, 0, 2), (86400, 24, 1), (1, 60, 0)]
)
def test_due_when_the_pain_is_48_hours_old_on_the_scaled_clock(
    database: Path, scale: float, onset_hours: float, due_in: float
) -> None:
    checkin = store(database, scale).schedule_heat_check("telegram:1", onset_hours, now=NOW)
    assert checkin.due_at == pytest.approx(NOW + due_in)
    assert checkin.hours_since_onset(checkin.due_at, scale) == pytest.approx(max(48, onset_hours))


def test_nothing_is_claimed_before_it_is_due(database: Path) -> None:
    checkins = store(database, 86400)
    checkins.schedule_heat_check("telegram:1", 0, now=NOW)
    assert checkins.claim_due(now=NOW + 1.9) == []
    assert [c.sender_id for c in checkins.claim_due(now=NOW + 2)] == ["telegram:1"]


def test_two_claimers_one_wins(database: Path) -> None:
    first, second = store(database, 86400), store(database, 86400)
    first.schedule_heat_check("telegram:1", 0, now=NOW)
    assert len(first.claim_due(now=NOW + 3, claimer="a")) == 1
    assert second.claim_due(now=NOW + 3, claimer="b") == []


def test_claimers_racing_in_threads_share_no_row(database: Path) -> None:
    setup = store(database, 86400)
    for chat in range(20):
        setup.schedule_heat_check(f"telegram:{chat}", 0, now=NOW)
    won: List[List[Checkin]] = [[], [], [], []]
    barrier = threading.Barrier(4)

    def claim(index: int) -> None:
        mine = store(database, 86400)
        barrier.wait()
        won[index].extend(mine.claim_due(now=NOW + 5, claimer=str(index)))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [c.id for claims in won for c in claims]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 20


def test_prefix_keeps_other_channels_for_their_next_message(database: Path) -> None:
    checkins = store(database, 86400)
    checkins.schedule_heat_check("rest:me", 0, now=NOW)
    checkins.schedule_heat_check("telegram:7", 0, now=NOW)
    assert [c.sender_id for c in checkins.claim_due("telegram:", now=NOW + 3)] == ["telegram:7"]
    assert checkins.claim_due(sender_id="rest:m", now=NOW + 3) == []
    assert [c.sender_id for c in checkins.claim_due(sender_id="rest:me", now=NOW + 3)] == ["rest:me"]


def test_a_failed_delivery_comes_back_after_the_back_off_and_a_delivered_one_never(database: Path) -> None:
    checkins = store(database, 86400)
    checkins.schedule_heat_check("telegram:1", 0, now=NOW)
    [claimed] = checkins.claim_due(now=NOW + 2)
    delay = checkins.failed(claimed, now=NOW + 2)
    assert delay == retry_delay(1) == 2
    assert checkins.claim_due(now=NOW + 3) == []
    [again] = checkins.claim_due(now=NOW + 4)
    assert again.attempts == 1 and retry_delay(2) == 4
    checkins.delivered(again, now=NOW + 4)
    assert checkins.claim_due(now=NOW + 10_000) == []
    assert checkins.pending("telegram:1") == []


def test_a_claim_of_a_server_that_died_is_taken_over_after_the_lease(database: Path) -> None:
    checkins = store(database, 86400)
    checkins.schedule_heat_check("telegram:1", 0, now=NOW)
    assert len(checkins.claim_due(now=NOW + 2)) == 1
    assert checkins.claim_due(now=NOW + 2 + LEASE_SECONDS - 1) == []
    assert len(checkins.claim_due(now=NOW + 2 + LEASE_SECONDS + 1)) == 1


def test_saying_yes_twice_keeps_one_check_in(database: Path) -> None:
    checkins = store(database)
    checkins.schedule_heat_check("telegram:1", 6, now=NOW)
    checkins.schedule_heat_check("telegram:1", 7, now=NOW + 3600)
    [pending] = checkins.pending("telegram:1")
    assert pending.kind == HEAT_48H and pending.onset_hours == 7


def test_stop_cancels_only_that_persons_check_ins(database: Path) -> None:
    checkins = store(database, 86400)
    checkins.schedule_heat_check("telegram:1", 0, now=NOW)
    checkins.schedule_heat_check("telegram:2", 0, now=NOW)
    assert checkins.cancel("telegram:1", now=NOW + 1) == 1
    assert [c.sender_id for c in checkins.claim_due(now=NOW + 3)] == ["telegram:2"]


@pytest.mark.parametrize(("scale", "days", "due_in"), [(1, 3, 3 * 86400), (86400, 3, 3), (86400, 0.5, 0.5)])
def test_a_pain_check_in_is_due_in_its_days_on_the_scaled_clock(
    database: Path, scale: float, days: float, due_in: float
) -> None:
    checkin = store(database, scale).schedule_pain_check("telegram:1", days, now=NOW)
    assert checkin.kind == PAIN and checkin.due_at == pytest.approx(NOW + due_in)


def test_each_pain_check_in_replaces_the_last_and_keeps_the_heat_one(database: Path) -> None:
    checkins = store(database, 86400)
    checkins.schedule_heat_check("telegram:1", 6, now=NOW)
    checkins.schedule_pain_check("telegram:1", 3, now=NOW)
    checkins.schedule_pain_check("telegram:1", 3, now=NOW + 1)
    assert [(c.kind, c.created_at) for c in checkins.pending("telegram:1")] == [(HEAT_48H, NOW), (PAIN, NOW + 1)]


def test_stop_cancels_pain_check_ins_too(database: Path) -> None:
    checkins = store(database, 86400)
    checkins.schedule_heat_check("telegram:1", 0, now=NOW)
    checkins.schedule_pain_check("telegram:1", 3, now=NOW)
    assert checkins.cancel("telegram:1", now=NOW + 1) == 2
    assert checkins.pending("telegram:1") == [] and checkins.claim_due(now=NOW + 10) == []


def test_a_postponed_check_in_comes_back_at_its_time_without_counting_a_try(database: Path) -> None:
    checkins = store(database, 86400)
    checkins.schedule_pain_check("telegram:1", 1, now=NOW)
    [claimed] = checkins.claim_due(now=NOW + 2)
    checkins.postpone(claimed, NOW + 100)
    assert checkins.claim_due(now=NOW + 99) == []
    [again] = checkins.claim_due(now=NOW + 100)
    assert again.id == claimed.id and again.attempts == 0


def test_erase_leaves_no_row_of_the_sender(database: Path) -> None:
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, data TEXT)")
        connection.executemany("INSERT INTO events (sender_id, data) VALUES (?, '{}')",
                               [("telegram:1",), ("telegram:1",), ("telegram:2",)])
    checkins = store(database, 86400)
    checkins.schedule_heat_check("telegram:1", 0, now=NOW)
    checkins.schedule_heat_check("telegram:2", 0, now=NOW)
    checkins.request_forget("telegram:1", now=NOW + 1)
    [request] = checkins.claim_due("telegram:1", now=NOW + 1)
    checkins.erase(request.sender_id)
    checkins.forget_done(request)
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT sender_id FROM events").fetchall() == [("telegram:2",)]
        assert connection.execute("SELECT sender_id FROM backcare_checkins").fetchall() == [("telegram:2",)]


@pytest.mark.parametrize(("raw", "expected"), [("", None), ("21-8", (21, 8)), (" 22-7 ", (22, 7))])
def test_quiet_hours_setting(monkeypatch: pytest.MonkeyPatch, raw: str, expected: Optional[Tuple[int, int]]) -> None:
    monkeypatch.setenv("CHECKIN_QUIET_HOURS", raw)
    assert settings.checkin_quiet_hours() == expected


def test_quiet_hours_default_and_bad_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHECKIN_QUIET_HOURS", raising=False)
    assert settings.checkin_quiet_hours() == (21, 8)
    for bad in ("9pm-8am", "21", "25-8"):
        monkeypatch.setenv("CHECKIN_QUIET_HOURS", bad)
        with pytest.raises(ValueError):
            settings.checkin_quiet_hours()


def test_retention_erases_only_conversations_idle_since_the_cutoff(database: Path) -> None:
    day = 86400.0
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, timestamp REAL)")
        connection.executemany("INSERT INTO events (sender_id, timestamp) VALUES (?, ?)",
                               [("rest:old", NOW - 100 * day), ("rest:old", NOW - 95 * day),
                                ("rest:recent", NOW - 100 * day), ("rest:recent", NOW - day),
                                ("telegram:waiting", NOW - 100 * day)])
    checkins = store(database)
    checkins.schedule_heat_check("rest:old", 6, now=NOW - 95 * day)
    [old] = checkins.claim_due(sender_id="rest:old", now=NOW - 93 * day)
    checkins.delivered(old, now=NOW - 93 * day)
    checkins.schedule_heat_check("telegram:waiting", 47, now=NOW - 2 * day)
    cutoff = NOW - 90 * day
    assert checkins.idle_conversations(cutoff) == ["rest:old", "telegram:waiting"]
    assert checkins.erase_if_idle("rest:old", cutoff) is True
    # A check-in still to come keeps its conversation.
    assert checkins.erase_if_idle("telegram:waiting", cutoff) is False
    with sqlite3.connect(database) as connection:
        left = connection.execute("SELECT DISTINCT sender_id FROM events ORDER BY sender_id").fetchall()
        assert left == [("rest:recent",), ("telegram:waiting",)]
        assert connection.execute("SELECT sender_id FROM backcare_checkins").fetchall() == [("telegram:waiting",)]
