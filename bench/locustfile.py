"""Locust users for bench/load.py: each one a person reading one company's dashboards on the real server.

Run by bench/load.py, which writes the companies' hosts and owners' session cookies to bench/out/load_sessions.json
(LOAD_SESSIONS names another file) and starts the server:

    locust -f bench/locustfile.py --headless -u 50 -r 10 --run-time 300s --csv bench/out/load --host http://127.0.0.1:PORT

Users take the companies in turn (user n reads company n modulo their number) and keep theirs; each opens one of
bench/dashboards.py's pages under one of a few of its selections, then reads it for 1 to 3 seconds. Anything but a
200 is a failure, a redirect too: it means the session was not accepted.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

from dashboards import PAGES, SELECTIONS
from locust import HttpUser, between, task

HERE = Path(__file__).resolve().parent
SESSIONS = json.loads(Path(os.environ.get("LOAD_SESSIONS", HERE / "out" / "load_sessions.json")).read_text())
# A few of bench/dashboards.py's selections: the default period, a fiscal year, a custom period with edge days,
# and the filters people use most (segment needs the customer master bench/load.py uploads).
SELECTED = ("latest 12 months", "FY 2024-25", "custom, edge days", "branch", "product line", "salesperson", "segment")
_turn = itertools.count()


class DashboardReader(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        company = SESSIONS[next(_turn) % len(SESSIONS)]
        # The company is in the host name (django-tenants); production sits behind a TLS proxy that says the request
        # came over https, without which every page redirects to https.
        self.client.headers.update({"Host": company["host"], "X-Forwarded-Proto": "https"})
        for name, value in company["cookie"].items():
            self.client.cookies.set(name, value)
        self.queries = [SELECTIONS[name].format(person=company["person"]) for name in SELECTED]

    @task
    def read_a_page(self) -> None:
        page, query = random.choice(PAGES), random.choice(self.queries)
        url = f"{page}?{query}" if query else page
        with self.client.get(url, name=page, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                where = response.headers.get("Location", "")
                response.failure(f"HTTP {response.status_code}" + (f" to {where}" if where else ""))
