"""A member's scope: the salespeople, branches or states whose sales they may see, when they may not see them all.

A scope is a dict {"salesperson": [...], "branch": [...], "state": [...]} on the Membership (or the API key); an
empty dict is the whole company. Within one dimension the values are alternatives (Ravi's or Meena's sales);
across dimensions they all apply (Ravi's sales in Pune).

Who is looking is set once per request (CompanyAccessMiddleware for a session, ApiKeyAuthentication for a key) and
by the tasks that build a report or evaluate an alert for the person who made it (`viewing`). The dashboards read
it in one place, analytics.dashboard.dashboard_for, so no page, export, report or API call can forget it.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from .roles import Role

# The dimensions a scope may limit, as the filter bar names them, with how a sentence names them.
SCOPE_DIMENSIONS = {"salesperson": "salesperson", "branch": "branch", "state": "state"}
# Owners and admins manage the company, its members and its keys: a limited view of the data would not stop them
# (they could lift their own scope), so they always see it all.
UNSCOPED_ROLES = (Role.OWNER, Role.ADMIN)
# The scope that lets nothing through: a report or alert whose maker has left the company.
NOTHING = {"salesperson": []}

_viewer: ContextVar[dict | None] = ContextVar("elettro_viewer_scope", default=None)
# What a scope may name (every salesperson, branch and state the company's sales have) is known to analytics, an
# app above this one: it hands over the function that lists them when it starts (analytics/apps.py).
_choices_source = None


def choices_from(source) -> None:
    """Where scope_choices reads from: a function answering {dimension: [value, ...]} for the current company."""
    global _choices_source
    _choices_source = source


def scope_choices() -> dict[str, list[str]]:
    """Every salesperson, branch and state a scope may name, biggest first (empty lists until analytics starts)."""
    found = _choices_source() if _choices_source is not None else {}
    return {name: list(found.get(name, [])) for name in SCOPE_DIMENSIONS}


class ScopeError(ValueError):
    """A scope naming a dimension or a value that does not exist; `message` says which."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalized(scope) -> dict[str, list[str]]:
    """The scope as stored: known dimensions only, values trimmed, unique and sorted, empty dimensions dropped."""
    found = {}
    for name in SCOPE_DIMENSIONS:
        values = (scope or {}).get(name) or []
        if isinstance(values, str):
            values = [values]
        kept = sorted({" ".join(str(value).split()) for value in values} - {""})
        if kept:
            found[name] = kept
    return found


def checked(scope, known: dict[str, set[str]]) -> dict[str, list[str]]:
    """The scope, normalized, if every value in it is one the company's sales have (`known`: {dimension: values});
    else ScopeError naming the first that is not."""
    unknown_names = set(scope or {}) - set(SCOPE_DIMENSIONS)
    if unknown_names:
        raise ScopeError(f"A scope limits {', '.join(SCOPE_DIMENSIONS)}; not {sorted(unknown_names)[0]}.")
    scope = normalized(scope)
    for name, values in scope.items():
        for value in values:
            if value not in known.get(name, set()):
                raise ScopeError(
                    f"There is no {SCOPE_DIMENSIONS[name]} called “{value}” in this company's sales. "
                    f"Pick one from the list (it shows every {SCOPE_DIMENSIONS[name]} the uploaded sales name)."
                )
    return scope


def describe(scope) -> str:
    """The scope in words, for the filter bar and the members page: "Ravi's and Meena's sales in Pune"."""
    if any(name in SCOPE_DIMENSIONS and not values for name, values in (scope or {}).items()):
        return "nothing (the person who set this up has left the company)"
    scope = normalized(scope)
    if not scope:
        return "all sales"
    people = scope.get("salesperson")
    head = " and ".join(f"{name}'s" for name in people) + " sales" if people else "sales"
    places = [*scope.get("branch", []), *scope.get("state", [])]
    return f"{head} in {', '.join(places)}" if places else head


def scope_of(membership) -> dict:
    """The scope of a Membership or an API key's KeyMembership; {} for the whole company."""
    if membership is None:
        return {}
    return normalized(getattr(membership, "scope", None) or {})


def scope_of_user(company, user_id: int | None) -> dict:
    """The current scope of the person who made a report or an alert rule, for the task that runs it: theirs while
    they are a member, NOTHING once they have left (so what they set up never shows more than they could see), {}
    for what a command made (no person)."""
    if user_id is None:
        return {}
    from .models import Membership

    membership = Membership.objects.filter(company=company, user_id=user_id).only("role", "scope").first()
    if membership is None:
        return dict(NOTHING)
    return scope_of(membership)


def current() -> dict | None:
    """The scope of whoever the current request or task acts for; None when nobody is set (a command, a test)."""
    return _viewer.get()


def set_viewer(membership) -> None:
    """Make the rest of this request act for `membership` (CompanyAccessMiddleware resets it when the request
    ends)."""
    _viewer.set(scope_of(membership))


@contextmanager
def viewing(scope: dict | None):
    """Act for someone with this scope inside the block (a report's maker, an alert rule's)."""
    token = _viewer.set(dict(scope or {}))
    try:
        yield
    finally:
        _viewer.reset(token)


@contextmanager
def request_viewer():
    """The middleware's frame: whatever the request sets is undone when it ends."""
    token = _viewer.set(None)
    try:
        yield
    finally:
        _viewer.reset(token)


def membership_scope_set(*, actor, target, scope, known: dict[str, set[str]]):
    """Limit `target` to `scope` (checked against the values the company's sales have, `known`); an empty scope
    lets them see everything again. Owners and admins cannot be limited (see UNSCOPED_ROLES)."""
    from django.db import transaction

    from elettro.kernel.errors import ApplicationError

    from .audit import Action, audit_record
    from .models import Membership
    from .roles import can

    if not can(actor.role, "members.manage"):
        raise ApplicationError("Your role does not allow this.", code="forbidden")
    try:
        scope = checked(scope, known)
    except ScopeError as error:
        raise ApplicationError(error.message, field_errors={"scope": [error.message]}) from None
    with transaction.atomic():
        target = Membership.objects.select_for_update().select_related("user").get(pk=target.pk,
                                                                                   company=actor.company)  # fmt: skip
        if scope and target.role in UNSCOPED_ROLES:
            raise ApplicationError(
                f"{target.user.email} is {Role(target.role).label.lower()}: owners and admins manage the company "
                "and its members, so they always see all of its sales. Make them a manager, analyst or viewer first."
            )
        if scope == scope_of(target):
            return target
        before, target.scope = scope_of(target), scope
        target.save(update_fields=["scope"])
        audit_record(Action.SCOPE_CHANGED, f"{target.user.email} now sees {describe(scope)}", user=actor.user,
                     company=actor.company, email=target.user.email, before=before, after=scope)  # fmt: skip
    return target
