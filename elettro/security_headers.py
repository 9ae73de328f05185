"""Security headers on every response: a strict Content-Security-Policy with a fresh nonce for each request, and
`Cache-Control: private, no-store` wherever a response holds a company's or a signed-in person's data.

Scripts run only from our own origin or inline with the request's nonce: templates write
`<script nonce="{{ request.csp_nonce }}">`, and inline event handlers (onclick=...) are not allowed, so behaviour
lives in nonce'd scripts or static/js. Styles allow 'unsafe-inline': plotly.js styles its SVG charts through style
attributes and a <style> element it adds itself (with style-src 'self' alone, Chromium refuses them and plotly warns
"Cannot addRelatedStyleRule, probably due to strict CSP"), and the progress bars set their width inline; a style
cannot run code, so scripts stay strict.

The policy is enforced in every environment (the browser tests meet what production sends); CSP_REPORT_ONLY=True
sends it as Content-Security-Policy-Report-Only instead, while a new page's violations are found.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'nonce-{nonce}'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    # Forms post to their own host, but a post may end in a redirect to the public site or a company's host
    # (sign-up, log-in, log-out), which form-action also governs: both are added per request (see _policy).
    "form-action": ["'self'"],
}


def _razorpay_sources() -> dict[str, list[str]]:
    """Razorpay Checkout, on the one page that opens it: checkout.js (RAZORPAY_CHECKOUT_JS) loads further scripts,
    styles and fonts from Razorpay's hosts, opens its payment frame from api.razorpay.com and calls home."""
    checkout = urlsplit(settings.RAZORPAY_CHECKOUT_JS)
    razorpay = "https://*.razorpay.com"
    return {
        "script-src": [f"{checkout.scheme}://{checkout.netloc}", razorpay],
        "style-src": [razorpay],
        "font-src": ["'self'", razorpay],
        "img-src": [razorpay],
        "frame-src": ["https://api.razorpay.com", razorpay],
        "connect-src": ["'self'", razorpay],
    }


# Extra sources for the pages under a path (on a company host).
PAGE_SOURCES = {"/billing/checkout/": _razorpay_sources}


def _site_origins() -> list[str]:
    default_port = {"http": 80, "https": 443}.get(settings.SITE_SCHEME)
    port = "" if settings.SITE_PORT in (default_port, None) else f":{settings.SITE_PORT}"
    scheme, domain = settings.SITE_SCHEME, settings.BASE_DOMAIN
    return [f"{scheme}://{domain}{port}", f"{scheme}://*.{domain}{port}"]


def _policy(request: HttpRequest) -> str:
    directives = {name: list(sources) for name, sources in POLICY.items()}
    directives["form-action"] += _site_origins()
    for prefix, extra in PAGE_SOURCES.items():
        if request.path.startswith(prefix):
            for name, sources in extra().items():
                directives.setdefault(name, ["'self'"]).extend(sources)
    nonce = request.csp_nonce
    return "; ".join(
        " ".join([name, *(source.replace("{nonce}", nonce) for source in dict.fromkeys(sources))])
        for name, sources in directives.items()
    )


def _is_private(request: HttpRequest, response: HttpResponse) -> bool:
    """Every response of a company host but its static files; on the public site, what a signed-in person sees
    and anything that sets a cookie (log-in and sign-up forms carry a CSRF token)."""
    if request.path.startswith(settings.STATIC_URL):
        return False
    tenant = getattr(request, "tenant", None)
    if tenant is not None and not tenant.is_public:
        return True
    user = getattr(request, "user", None)
    return bool(response.cookies) or (user is not None and user.is_authenticated)


class SecurityHeadersMiddleware:
    """Sits above the company host middleware in MIDDLEWARE, so every response gets its headers, even one that
    another middleware answers (an unknown company, a request refused by elettro.request_checks)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = secrets.token_urlsafe(18)
        response = self.get_response(request)
        header = "Content-Security-Policy-Report-Only" if settings.CSP_REPORT_ONLY else "Content-Security-Policy"
        if "Content-Security-Policy" not in response and "Content-Security-Policy-Report-Only" not in response:
            response[header] = _policy(request)
        if _is_private(request, response):
            response["Cache-Control"] = "private, no-store"
            response.headers.pop("Expires", None)
        # Django's SecurityMiddleware sets these too, but answers from middleware before it would go without.
        if settings.SECURE_CONTENT_TYPE_NOSNIFF:
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
        referrer = settings.SECURE_REFERRER_POLICY
        if referrer:
            value = referrer if isinstance(referrer, str) else ",".join(referrer)
            response.headers.setdefault("Referrer-Policy", value)
        return response
