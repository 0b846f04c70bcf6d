"""A time budget for a whole validation: when it is spent, validation stops and says so.

The budget is a real-time alarm (SIGALRM) whose handler raises ``OutOfTime``, a BaseException, so
that no ``except Exception`` on the way (frictionless has several) swallows it. Python's regular
expression engine checks for signals while it backtracks, so even a pattern running in exponential
time stops. Signals reach only the main thread: elsewhere, and on systems without SIGALRM, the
budget is not enforced.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Seconds between two alarms once the budget is spent.
RETRY = 0.2


class OutOfTime(BaseException):  # noqa: N818 - not an error of the input, the end of the budget
    """The time budget is spent."""


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Raise OutOfTime in the block once ``seconds`` have passed (None: no budget)."""
    if seconds is None or not hasattr(signal, "setitimer") \
            or threading.current_thread() is not threading.main_thread():
        yield
        return

    armed = True

    def expire(signum, frame):
        if armed:
            raise OutOfTime

    previous = signal.signal(signal.SIGALRM, expire)
    # after the budget, the alarm fires again every RETRY seconds: an OutOfTime raised where Python
    # cannot propagate it (a garbage-collector callback, a __del__) is lost, and the next one is not
    signal.setitimer(signal.ITIMER_REAL, seconds, RETRY)
    try:
        yield
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
