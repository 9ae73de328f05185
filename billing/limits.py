"""Where plan limits bite. Other apps call these before they add something that counts against a plan.

Each function raises PlanLimitError (an ApplicationError, so views already show its message) with a message
that says what the limit is and an `upgrade_url` to the company's billing page. The caller counts what it owns
(members, this month's lines, schedules) and passes the number in, so billing reads no tenant app.
"""

from __future__ import annotations

from elettro.kernel.errors import ApplicationError
from tenants.urls_util import company_url

from .selectors import billing_state


def _real_company(company):
    """schema_context() leaves a FakeTenant on the connection; limits need the Company row itself."""
    from tenants.models import Company

    return company if isinstance(company, Company) else Company.objects.get(schema_name=company.schema_name)


class PlanLimitError(ApplicationError):
    def __init__(self, message: str, *, company, code: str = "plan_limit") -> None:
        super().__init__(message, code=code)
        self.upgrade_url = company_url(company, "/billing/")


def _ensure_writable(company, doing: str) -> None:
    state = billing_state(company)
    if state.read_only:
        raise PlanLimitError(
            f"{state.headline} The company is read-only, so you cannot {doing} until an owner chooses a plan "
            "on the Billing page.",
            company=company, code="read_only",
        )  # fmt: skip


def is_read_only(company) -> bool:
    """True when uploads and schedules are paused (trial over, payments halted past grace, cancelled)."""
    return billing_state(company).read_only


def schedules_paused(company) -> bool:
    """For the report scheduler: skip a company's scheduled reports and alerts while this is True."""
    return is_read_only(company)


def _limit(company, attribute: str) -> tuple[int, str] | tuple[None, None]:
    """The plan's limit, or (None, None) when no plan applies (read-only is checked before this; a trial on an
    installation with no plans at all is not limited)."""
    plan = billing_state(company).plan
    return (getattr(plan, attribute), plan.name) if plan is not None else (None, None)


def _ensure_room(company, attribute: str, count: int, *, doing: str, message: str) -> None:
    """Writable, and `count` below the plan's `attribute`; else PlanLimitError with `message` formatted with the
    plan's name, its limit and the count."""
    _ensure_writable(company, doing)
    limit, plan = _limit(company, attribute)
    if limit is not None and count >= limit:
        raise PlanLimitError(message.format(plan=plan, limit=limit, count=count), company=company)


_MORE = (
    "The {plan} plan allows {limit} %s and this company has {count}. Upgrade the plan on the Billing page to add more."
)


def ensure_can_add_member(company, *, existing_count: int) -> None:
    """`existing_count`: members plus pending invitations."""
    _ensure_room(
        company, "max_members", existing_count, doing="invite people",
        message="The {plan} plan allows {limit} people and this company has {count} (members and pending "
        "invitations). Upgrade the plan on the Billing page to invite more.",
    )  # fmt: skip


def ensure_can_upload(company, *, lines_this_month: int) -> None:
    """`lines_this_month`: lines loaded since the start of this calendar month."""
    _ensure_room(
        _real_company(company), "max_lines_per_month", lines_this_month, doing="upload files",
        message="This month's uploads have reached {count:,} lines; the {plan} plan allows {limit:,} a month. "
        "Upgrade the plan on the Billing page, or upload again next month.",
    )  # fmt: skip


def ensure_storage_room(company, *, used_bytes: int, adding_bytes: int) -> None:
    """`used_bytes`: uploaded files the company keeps; `adding_bytes`: the file about to be stored."""
    company = _real_company(company)
    _ensure_writable(company, "upload files")
    limit_mb, plan = _limit(company, "max_storage_mb")
    if limit_mb is not None and used_bytes + adding_bytes > limit_mb * 1024 * 1024:
        raise PlanLimitError(
            f"The {plan} plan keeps {limit_mb:,} MB of uploaded files and this company keeps "
            f"{used_bytes / 1024 / 1024:,.1f} MB, so this {adding_bytes / 1024 / 1024:,.1f} MB file does not fit. "
            "Delete old uploads on the Uploads page, or upgrade the plan on the Billing page.",
            company=company,
        )


def ensure_can_add_schedule(company, existing_count: int) -> None:
    """`existing_count`: report schedules the company has now (paused ones included)."""
    _ensure_room(
        company, "max_report_schedules", existing_count, doing="add report schedules",
        message=_MORE % "report schedules",
    )  # fmt: skip


def ensure_can_add_alert_channel(company, existing_count: int) -> None:
    _ensure_room(
        company, "max_alert_channels", existing_count, doing="add alert channels", message=_MORE % "alert channels"
    )
