"""When a check-in may go out: the person's quiet hours, and the back-off after a failed delivery.

Pure functions of the clock, apart from the table that keeps the check-ins
(:mod:`backcare.checkins`); the Rasa server's delivery loop (``channels/checkins.py``) asks them.
"""

from typing import Optional, Tuple

from backcare.time_zones import local_time

FIRST_RETRY_SECONDS = 2.0
MAX_RETRY_SECONDS = 300.0


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failed deliveries: doubling, capped."""
    return float(min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, attempts - 1)))


def in_quiet_hours(now: float, quiet: Optional[Tuple[int, int]], zone: Optional[str] = None) -> bool:
    """Whether ``now`` (epoch seconds) falls in the quiet hours ``(start, end)`` in ``zone``, end excluded.

    ``zone`` is the person's time zone as kept in the conversation (None: not known, so UTC).
    """
    if quiet is None or quiet[0] == quiet[1]:
        return False
    hour = local_time(now, zone).hour
    start, end = quiet
    return start <= hour < end if start < end else hour >= start or hour < end


def quiet_hours_end(now: float, quiet: Optional[Tuple[int, int]], zone: Optional[str] = None) -> float:
    """When the quiet hours around ``now`` end in ``zone`` (epoch seconds); ``now`` outside them."""
    if not in_quiet_hours(now, quiet, zone):
        return now
    local = local_time(now, zone)
    # Hour by hour from the next full hour of the person's clock (offsets are whole quarters).
    moment = now + 3600 - (local.minute * 60 + local.second + local.microsecond / 1e6)
    for _ in range(24):
        if not in_quiet_hours(moment, quiet, zone):
            return moment
        moment += 3600
    return moment
