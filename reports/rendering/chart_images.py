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
import warnings

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


def figure_svg(figure: dict) -> str | None:
    """The figure as an SVG document, or None (logged) when no browser can draw it: the report then prints
    the table without the chart rather than failing."""
    import plotly.graph_objects as go
    import plotly.io as pio

    try:
        _ensure_browser()
        printed = _for_print(figure)
        with warnings.catch_warnings():
            # plotly passes browser options that the already-running server ignores, and says so every time.
            warnings.filterwarnings("ignore", message="The kopts argument is ignored")
            image = pio.to_image(go.Figure(printed), format="svg", validate=False)
    except Exception:
        logger.exception("could not draw a chart for a report")
        return None
    return image.decode("utf-8") if isinstance(image, bytes) else image
