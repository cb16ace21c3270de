"""The retry policy both stores use to wait out a database or Redis restart (tenacity underneath).

A failed call is tried again after a delay that doubles from ``first_delay`` up to ``max_delay``,
for as long as the next try would still start within ``seconds`` of the first; then the last
error is raised as it was. Only errors that ``cause`` recognises are retried, and each retry
logs one warning naming the error, so a restart shows in the logs as a few lines, not a failure.
"""

import logging
from typing import Awaitable, Callable, Optional, TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_before_delay, wait_exponential

T = TypeVar("T")
# The connection error behind a failure, or None when the failure is not worth retrying.
Cause = Callable[[BaseException], Optional[BaseException]]


async def retrying(
    call: Callable[[], Awaitable[T]],
    *,
    what: str,
    seconds: float,
    first_delay: float,
    max_delay: float,
    cause: Cause,
    logger: logging.Logger,
) -> T:
    """``await call()``, retried with asyncio sleeps (the server keeps serving) while ``cause`` allows.

    Args:
        call: The store call to make.
        what: What failed, for the warning ("Tracker store save").
        seconds: Retry only while the next try would start within this many seconds of the first.
        first_delay: Seconds before the first retry; each later delay doubles it.
        max_delay: The longest delay between two tries.
        cause: The retryable error behind a failure, or None to raise it at once.
        logger: Where the warnings go (the store's own logger).

    Returns:
        What ``call`` returned on the first try that succeeded.
    """

    def warn(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        reason = cause(error) if error is not None else None
        logger.warning(f"{what} failed ({type(reason).__name__}); retrying in {state.upcoming_sleep:.1f} s.")

    policy = AsyncRetrying(
        # Not stop_after_delay: that would sleep past the deadline before giving up.
        stop=stop_before_delay(seconds),
        wait=wait_exponential(multiplier=first_delay, max=max_delay),
        retry=retry_if_exception(lambda error: cause(error) is not None),
        before_sleep=warn,
        reraise=True,
    )

    # tenacity awaits only what a coroutine function returns; ``call`` may be a plain lambda.
    async def attempt() -> T:
        return await call()

    return await policy(attempt)
