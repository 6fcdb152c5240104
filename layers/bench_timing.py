"""Timing helpers the `make bench` sections share."""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_ms(fn: Callable[[], object], repeat: int = 5) -> float:
    """The median of `repeat` timed calls of `fn`, in milliseconds, after one untimed call that
    warms the caches."""
    fn()
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)
