"""When a check-in may go out (backcare/checkin_times.py): quiet hours on the person's clock, back-off."""

from datetime import datetime, timezone
from typing import Optional, Tuple

import pytest

from backcare.checkin_times import MAX_RETRY_SECONDS, in_quiet_hours, quiet_hours_end, retry_delay

pytestmark = pytest.mark.unit
# 13:07 UTC on a December day (no summer time in Europe or North America).
NOW = datetime(2026, 12, 1, 13, 7, tzinfo=timezone.utc).timestamp()


@pytest.mark.parametrize(
    ("hour", "quiet", "expected"),
    [(22, (21, 8), True), (3, (21, 8), True), (8, (21, 8), False), (20, (21, 8), False),
     (13, (12, 14), True), (14, (12, 14), False), (3, None, False), (5, (5, 5), False)],
)
def test_quiet_hours_wrap_around_midnight(hour: int, quiet: Optional[Tuple[int, int]], expected: bool) -> None:
    moment = datetime(2026, 12, 1, hour, 30, tzinfo=timezone.utc).timestamp()
    assert in_quiet_hours(moment, quiet) is expected


@pytest.mark.parametrize(
    ("zone", "quiet", "wakes"),
    [
        (None, False, None),  # 13:07 UTC
        ("Asia/Tokyo", True, datetime(2026, 12, 1, 23, 0, tzinfo=timezone.utc)),  # 22:07 there; 08:00 is 23:00 UTC
        ("UTC+05:30", False, None),  # 18:37
        ("Pacific/Auckland", True, datetime(2026, 12, 1, 19, 0, tzinfo=timezone.utc)),  # 02:07 (summer time, +13)
    ],
)
def test_quiet_hours_are_on_the_persons_clock(zone: Optional[str], quiet: bool, wakes: Optional[datetime]) -> None:
    assert in_quiet_hours(NOW, (21, 8), zone) is quiet
    expected = wakes.timestamp() if wakes else NOW
    assert quiet_hours_end(NOW, (21, 8), zone) == pytest.approx(expected)


def test_a_half_hour_zone_wakes_at_its_own_eight() -> None:
    at = datetime(2026, 12, 1, 0, 0, tzinfo=timezone.utc).timestamp()  # 05:30 in India
    assert quiet_hours_end(at, (21, 8), "Asia/Kolkata") == datetime(2026, 12, 1, 2, 30, tzinfo=timezone.utc).timestamp()
    assert quiet_hours_end(at, None, "Asia/Kolkata") == at


@pytest.mark.parametrize(("attempts", "delay"), [(0, 2.0), (1, 2.0), (2, 4.0), (5, 32.0), (20, MAX_RETRY_SECONDS)])
def test_the_back_off_doubles_up_to_its_cap(attempts: int, delay: float) -> None:
    assert retry_delay(attempts) == delay
