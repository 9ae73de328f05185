"""What a company's subdomain may be: DNS-safe, not ours, not taken."""

from __future__ import annotations

import re

RESERVED = frozenset(
    [
        "www",
        "www1",
        "www2",
        "admin",
        "administrator",
        "api",
        "app",
        "apps",
        "static",
        "media",
        "mail",
        "email",
        "smtp",
        "imap",
        "pop",
        "ftp",
        "sftp",
        "ssh",
        "dashboard",
        "billing",
        "pay",
        "payments",
        "invoice",
        "invoices",
        "signup",
        "login",
        "logout",
        "register",
        "account",
        "accounts",
        "auth",
        "sso",
        "oauth",
        "help",
        "support",
        "docs",
        "status",
        "health",
        "blog",
        "news",
        "about",
        "pricing",
        "contact",
        "legal",
        "terms",
        "privacy",
        "security",
        "cdn",
        "assets",
        "files",
        "upload",
        "uploads",
        "download",
        "downloads",
        "dev",
        "test",
        "staging",
        "internal",
        "root",
        "public",
        "tenant",
        "tenant-template",
        "template",
        "postgres",
        "redis",
        "celery",
        "worker",
        "beat",
        "elettro",
        "webhook",
        "webhooks",
        "ns",
        "ns1",
        "ns2",
        "mx",
        "localhost",
    ]
)
_DNS_LABEL = re.compile(r"^[a-z](?:[a-z0-9-]{1,61}[a-z0-9])$")


def subdomain_problem(value: str) -> str | None:
    """Why `value` cannot be a subdomain, or None when it can (uniqueness is checked by the caller)."""
    if not value:
        return "Choose a subdomain."
    if value != value.lower():
        return "Use lower-case letters only."
    if not _DNS_LABEL.match(value):
        return (
            "Use 3 to 63 characters: lower-case letters, digits and hyphens, "
            "starting with a letter and not ending with a hyphen."
        )
    if "--" in value:
        return "Two hyphens in a row are not allowed."
    if value in RESERVED or value.startswith("pg-"):
        return f"“{value}” is reserved. Please choose another."
    return None


def schema_name_for(subdomain: str) -> str:
    return subdomain.replace("-", "_")
