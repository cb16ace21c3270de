"""The load test's check-in accounting, on a real check-in table (SQLite) and hand-made turns."""

from pathlib import Path
from typing import List, Optional

import pytest

from backcare.checkins import CheckinStore
from channels.checkins import INTRO
from scripts.load_runner import LoadResult, TurnRecord
from scripts.stack_checks import check_checkins

NOW = 1_800_000_000.0
CHECK_IN = INTRO + "Your pain started about 2 days ago, so the first 48 hours are behind you."


def turns(sender: str, replies: List[List[str]], start: float = NOW) -> List[TurnRecord]:
    """One turn per entry, a second apart, each answered with its replies."""
    return [TurnRecord(sender, i, f"message {i}", "http://replica", status=200, sent_at=start + i, replies=r)
            for i, r in enumerate(replies)]


@pytest.mark.parametrize(
    ("delivered", "replies", "problem"),
    [
        (True, [["scheduled"], [CHECK_IN, "answer"], ["answer"]], None),
        (True, [["scheduled"], [CHECK_IN, "answer"], [CHECK_IN, "answer"]], "1 check-ins delivered, 2 received"),
        (True, [["scheduled"], ["answer"], ["answer"]], "1 check-ins delivered, 0 received"),
        (False, [["scheduled"], ["answer"], ["answer"]], "a check-in due before the last message never came"),
    ],
    ids=["once", "twice", "marked-but-not-received", "never-came"],
)
def test_each_check_in_must_come_once_and_none_stay_behind(
    tmp_path: Path, delivered: bool, replies: List[List[str]], problem: Optional[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'trackers.db'}"
    store = CheckinStore(url, scale=86400)
    # Due 0.5 s after the first message; the second and third come after that.
    checkin = store.schedule_heat_check("rest:load-1", onset_hours=48 - 0.5 * 86400 / 3600, now=NOW)
    if delivered:
        store.delivered(checkin, now=NOW + 1)
    result = LoadResult(turns("load-1", replies), 3.0, {"load-1": ["message 0", "message 1", "message 2"]})

    figures = check_checkins(url, result)

    assert figures.scheduled == 1 and figures.delivered == int(delivered)
    assert figures.problems == ({} if problem is None else {"load-1": [problem]})


def test_a_check_in_not_due_by_the_last_message_is_no_problem(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trackers.db'}"
    CheckinStore(url, scale=1).schedule_heat_check("rest:load-2", onset_hours=2, now=NOW)
    result = LoadResult(turns("load-2", [["scheduled"], ["answer"]]), 2.0, {"load-2": ["message 0", "message 1"]})
    assert check_checkins(url, result).problems == {}
