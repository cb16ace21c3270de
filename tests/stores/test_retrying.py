"""The stores' shared retry policy: back-off shape, deadline, which errors it retries."""

import logging
import re
import time
from typing import List, Optional

import pytest
import redis
import sqlalchemy as sa
from rasa.core.lock_store import LockError

from stores import lock_store, tracker_store
from stores.retrying import retrying

logger = logging.getLogger("tests.stores.retrying")


def _any(error: BaseException) -> Optional[BaseException]:
    return error if isinstance(error, ConnectionError) else None


async def test_delays_double_up_to_the_cap_and_no_try_starts_after_the_deadline(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: List[float] = []
    started = time.monotonic()

    async def down() -> None:
        calls.append(time.monotonic() - started)
        raise ConnectionError("refused")

    with caplog.at_level(logging.WARNING, logger=logger.name), pytest.raises(ConnectionError, match="refused"):
        await retrying(down, what="Test call", seconds=1.0, first_delay=0.1, max_delay=0.2, cause=_any, logger=logger)
    delays = [float(d) for d in re.findall(r"retrying in (\d+\.\d) s", caplog.text)]
    assert delays[:3] == [0.1, 0.2, 0.2] and set(delays) == {0.1, 0.2}
    assert len(calls) == len(delays) + 1 and calls[-1] < 1.0
    assert "Test call failed (ConnectionError)" in caplog.text


async def test_a_later_success_is_returned() -> None:
    calls: List[int] = []

    async def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("reset")
        return "done"

    assert await retrying(flaky, what="Test call", seconds=5, first_delay=0.01, max_delay=0.01, cause=_any,
                          logger=logger) == "done"
    assert len(calls) == 3


async def test_an_error_the_policy_does_not_know_is_raised_at_once() -> None:
    calls: List[int] = []

    async def broken() -> None:
        calls.append(1)
        raise ValueError("bad query")

    with pytest.raises(ValueError, match="bad query"):
        await retrying(broken, what="Test call", seconds=5, first_delay=0.01, max_delay=0.01, cause=_any,
                       logger=logger)
    assert calls == [1]


def _lock_error(cause: Exception) -> LockError:
    try:
        raise LockError("Error while acquiring lock.") from cause
    except LockError as error:
        return error


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (redis.exceptions.ConnectionError("refused"), True),
        (redis.exceptions.TimeoutError("slow"), True),
        (_lock_error(redis.exceptions.ConnectionError("refused")), True),
        (_lock_error(ValueError("bad json")), False),
        (LockError("no cause"), False),
        (redis.exceptions.ResponseError("WRONGTYPE"), False),
    ],
)
def test_the_lock_store_retries_redis_connection_failures_only(error: BaseException, retried: bool) -> None:
    assert (lock_store._connection_error(error) is not None) is retried


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection")), True),
        (sa.exc.InterfaceError("SELECT", {}, Exception("connection already closed")), True),
        (sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key")), False),
    ],
)
def test_the_tracker_store_retries_connection_failures_only(error: BaseException, retried: bool) -> None:
    assert (tracker_store._connection_error(error) is not None) is retried
