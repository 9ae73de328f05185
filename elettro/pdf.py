"""HTML to PDF with WeasyPrint: the one renderer reports and billing invoices share.

Documents carry everything they show (charts and logos as data: URIs), and the fetcher refuses every other URL,
so text from a customer's upload can never make the renderer fetch a URL or read a file.
"""

from __future__ import annotations


def _fetcher():
    from weasyprint import URLFetcher

    return URLFetcher(allowed_protocols=["data"], allow_redirects=False)


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_fetcher()).write_pdf()
