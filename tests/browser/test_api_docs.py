"""The API's documentation in a real browser: Swagger UI renders the live schema from our own static files, with
no request leaving the company's host (no CDN), under the site's Content-Security-Policy."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.db import connection
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_api_docs_render_offline_from_our_own_files(live_site, page, make_company_committed):
    make_company_committed("apidocs")
    connection.set_schema_to_public()
    port = live_site.rsplit(":", 1)[1]
    docs = f"http://apidocs.localhost:{port}/api/v1/docs/"
    hosts, refused = set(), []
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.on("console", lambda message: refused.append(message.text) if "Content Security" in message.text else None)

    page.goto(docs)
    expect(page.get_by_text("Elettro API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/kpis/").first).to_be_visible()
    expect(page.get_by_text("/api/v1/breakdowns/{dimension}/").first).to_be_visible()
    assert hosts == {f"apidocs.localhost:{port}"}, hosts
    assert refused == []
