"""What every bench script measures with: milliseconds of repeated work, and the 95th percentile of them."""

from __future__ import annotations

import time


def timed(work, repeat: int) -> list[float]:
    """Milliseconds each of `repeat` calls of `work` took."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return times


def p95_of(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
