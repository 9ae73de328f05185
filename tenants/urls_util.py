"""Absolute URLs of the public site and of each company's subdomain."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings


def _origin(host: str) -> str:
    default_port = {"http": 80, "https": 443}[settings.SITE_SCHEME]
    port = "" if settings.SITE_PORT in (default_port, None) else f":{settings.SITE_PORT}"
    return f"{settings.SITE_SCHEME}://{host}{port}"


def public_url(path: str = "/", **query: str) -> str:
    return _origin(settings.BASE_DOMAIN) + path + (f"?{urlencode(query)}" if query else "")


def company_host(subdomain: str) -> str:
    return f"{subdomain}.{settings.BASE_DOMAIN}"


def company_url(company, path: str = "/") -> str:
    return _origin(company_host(company.subdomain)) + path
