"""Dashboard figures as SVG for the PDF, drawn by Plotly's own renderer (kaleido driving headless Chromium),
so a chart in a report looks exactly like the one on the dashboard.

Starting Chromium costs about 3 s; drawing a chart in a running one about 0.2 s. So each process keeps one
browser warm (kaleido's sync server), started on first use or ahead of time by the reports worker
(`warm_up_in_background`), and stopped when the process exits.
"""

from __future__ import annotations

import atexit
import copy
import logging
import os
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings

logger = logging.getLogger(__name__)

WIDTH = 900
HEIGHT = 340

_lock = threading.Lock()
_started_in: int | None = None  # the pid whose browser is running: a forked child must start its own


def _ensure_browser() -> None:
    global _started_in
    with _lock:
        if _started_in == os.getpid():
            return
        import kaleido

        kaleido.start_sync_server(silence_warnings=True)
        _started_in = os.getpid()
        atexit.register(_stop)


def _stop() -> None:
    global _started_in
    if _started_in != os.getpid():
        return
    import kaleido

    try:
        kaleido.stop_sync_server(silence_warnings=True)
    finally:
        _started_in = None


def warm_up_in_background() -> None:
    """Start this process's browser without making anyone wait for it."""
    threading.Thread(target=_warm_quietly, name="kaleido-warm-up", daemon=True).start()


def _warm_quietly() -> None:
    try:
        _ensure_browser()
    except Exception:  # the first real chart will try again and report the problem
        logger.warning("could not start the chart browser ahead of time", exc_info=True)


def _for_print(figure: dict) -> dict:
    """The dashboard figure sized for an A4 page, on white."""
    printed = copy.deepcopy(figure)
    layout = printed.setdefault("layout", {})
    layout["width"] = WIDTH
    layout["height"] = min(int(layout.get("height") or HEIGHT), 900)
    layout["paper_bgcolor"] = "white"
    layout.pop("autosize", None)
    return printed


# After a chart could not be drawn in time, this process draws none for a while: a report of twenty charts must
# not wait twenty timeouts for a browser that is missing or stuck.
_broken_until = 0.0
_BROKEN_FOR_SECONDS = 300


def charts_available() -> bool:
    """Whether this process is drawing charts (False for a while after one could not be drawn in time)."""
    return time.monotonic() >= _broken_until


def figure_svg(figure: dict) -> str | None:
    """The figure as an SVG document, or None (logged) when no browser can draw it within the time allowed
    (settings.CHART_TIMEOUT_SECONDS, the browser's start included): the report then prints the table without the
    chart rather than failing or waiting for ever."""
    global _broken_until
    if not charts_available():
        return None
    # The browser is driven from a thread we can stop waiting for; a hung draw is left behind, never joined.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chart")
    future = pool.submit(_draw, figure)
    pool.shutdown(wait=False)
    try:
        image = future.result(timeout=settings.CHART_TIMEOUT_SECONDS)
    except FutureTimeout:
        _broken_until = time.monotonic() + _BROKEN_FOR_SECONDS
        logger.error("a chart took over %ss to draw: reports leave charts out for %ss", settings.CHART_TIMEOUT_SECONDS,
                     _BROKEN_FOR_SECONDS)  # fmt: skip
        return None
    except Exception:
        _broken_until = time.monotonic() + _BROKEN_FOR_SECONDS
        logger.exception("could not draw a chart for a report")
        return None
    return image.decode("utf-8") if isinstance(image, bytes) else image


def _draw(figure: dict):
    import plotly.graph_objects as go
    import plotly.io as pio

    _ensure_browser()
    printed = _for_print(figure)
    with warnings.catch_warnings():
        # plotly passes browser options that the already-running server ignores, and says so every time.
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")
        return pio.to_image(go.Figure(printed), format="svg", validate=False)
