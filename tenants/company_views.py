"""Pages on a company's subdomain that belong to tenancy: the login hand-off, logout, members, settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from elettro.kernel.errors import ApplicationError

from . import services
from .api_keys import KEY_ROLES, api_key_create, api_key_revoke, api_keys_of
from .forms import CompanySettingsForm, InvitationForm, RoleForm, ScopeForm
from .handoff import handoff_redeem
from .models import AuditEvent, Membership
from .permissions import has_permission, require_permission
from .roles import Role
from .scopes import UNSCOPED_ROLES, describe, membership_scope_set, scope_choices
from .selectors import audit_events, members_of_company, pending_invitations
from .two_factor import SESSION_KEY as TWO_FACTOR_SESSION_KEY
from .two_factor import lacks_second_factor
from .two_factor import required_url as two_factor_required_url
from .urls_util import company_url, public_url


def handoff(request: HttpRequest) -> HttpResponse:
    redeemed = handoff_redeem(token=request.GET.get("token", ""), company=request.tenant)
    if redeemed is None:
        return redirect(public_url("/accounts/login/", next=f"/go/{request.tenant.subdomain}/"))
    if lacks_second_factor(request.tenant, user=redeemed.user, passed=redeemed.two_factor):
        # Not even logged in here: the login finishes its second factor on the public site, which hands off again.
        return redirect(two_factor_required_url(request.tenant, redeemed.next_path))
    login(request, redeemed.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session["login_family"] = redeemed.family
    request.session[TWO_FACTOR_SESSION_KEY] = redeemed.two_factor
    return redirect(redeemed.next_path)


@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    logout(request)  # tenants.signals ends the whole login family
    return redirect(public_url("/"))


@require_permission("members.view")
def members(request: HttpRequest) -> HttpResponse:
    company = request.tenant
    context = {
        "members": members_of_company(company=company),
        "invitations": pending_invitations(company=company),
        "invite_form": InvitationForm(),
        "roles": Role.choices,
        "can_manage": has_permission(request, "members.manage"),
        "unscoped_roles": [role.value for role in UNSCOPED_ROLES],
    }
    if context["can_manage"]:
        context["scope_choices"] = scope_choices()
    return render(request, "tenants/members.html", context)


@require_POST
@require_permission("members.manage")
def invite(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(actor=request.membership, **form.cleaned_data)
        except ApplicationError as error:
            messages.error(request, error.message, extra_tags=error.code)  # "plan_limit" adds an upgrade link
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
    else:
        messages.error(request, "Enter a valid email address and role.")
    return redirect("members")


@require_POST
@require_permission("members.manage")
def change_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    target = get_object_or_404(Membership, pk=membership_id, company=request.tenant)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role.")
        return redirect("members")
    try:
        services.membership_change_role(actor=request.membership, target=target, role=form.cleaned_data["role"])
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{target.user.email} is now {Role(form.cleaned_data['role']).label}.")
    return redirect("members")


@require_POST
@require_permission("members.manage")
def change_scope(request: HttpRequest, membership_id: int) -> HttpResponse:
    """Limit a member to some salespeople, branches or states (tenants/scopes.py); nothing chosen lifts it."""
    target = get_object_or_404(Membership.objects.select_related("user"), pk=membership_id, company=request.tenant)
    choices = scope_choices()
    form = ScopeForm(request.POST, choices=choices)
    form.is_valid()  # every value is accepted here; membership_scope_set checks them against the sales
    try:
        target = membership_scope_set(actor=request.membership, target=target, scope=form.scope(),
                                      known={name: set(values) for name, values in choices.items()})  # fmt: skip
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{target.user.email} now sees {describe(target.scope)}.")
    return redirect("members")


@require_POST
def remove_member(request: HttpRequest, membership_id: int) -> HttpResponse:
    target = get_object_or_404(Membership, pk=membership_id, company=request.tenant)
    leaving = target.pk == request.membership.pk
    if not leaving and not has_permission(request, "members.manage"):
        return render(request, "tenants/forbidden.html", {"permission": "members.manage"}, status=403)
    try:
        services.membership_remove(actor=request.membership, target=target)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("members" if has_permission(request, "members.view") else "home")
    if leaving:
        return redirect(public_url("/companies/"))
    messages.success(request, f"{target.user.email} was removed.")
    return redirect("members")


@require_permission("company.settings")
def company_settings(request: HttpRequest) -> HttpResponse:
    form = CompanySettingsForm(request.POST or None, request.FILES or None, instance=request.tenant)
    if request.method == "POST" and form.is_valid():
        services.company_settings_save(form=form, user=request.user)
        messages.success(request, "Settings saved.")
        return redirect("company_settings")
    return render(request, "tenants/settings.html", {"form": form}, status=400 if form.errors else 200)


AUDIT_PAGE_SIZE = 50


@require_GET
@require_permission("audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    """Who did what, newest first: uploads, deletions, role, settings and schedule changes, downloads."""
    action = request.GET.get("action") or None
    if action is not None and action not in AuditEvent.Action.values:
        raise BadRequest("Choose one of the listed kinds of event.")
    pages = Paginator(audit_events(request.tenant, action=action).select_related("actor"), AUDIT_PAGE_SIZE)
    context = {"events": pages.get_page(request.GET.get("page")), "action": action or "",
               "actions": AuditEvent.Action.choices}  # fmt: skip
    return render(request, "tenants/audit_log.html", context)


# ---------------------------------------------------------------- API keys


def _api_keys_page(request: HttpRequest, *, status: int = 200, **context) -> HttpResponse:
    ranks = list(Role)  # owner first: a key may not act above its creator's role
    mine = ranks.index(Role(request.membership.role))
    context = {
        "keys": api_keys_of(request.tenant),
        "roles": [(role, Role(role).label) for role in KEY_ROLES if ranks.index(role) >= mine],
        "values": {"name": "", "role": Role.VIEWER},
        "errors": {},
        **context,
    }
    return render(request, "tenants/api_keys.html", context, status=status)


@require_http_methods(["GET", "POST"])
@require_permission("api_keys.manage")
def api_keys(request: HttpRequest) -> HttpResponse:
    """The company's API keys; a new one is shown on the answer to the POST that made it, and never again."""
    if request.method == "GET":
        return _api_keys_page(request)
    values = {"name": request.POST.get("name", ""), "role": request.POST.get("role", "")}
    try:
        key, raw = api_key_create(company=request.tenant, name=values["name"], role=values["role"],
                                  created_by=request.user, actor_role=request.membership.role)  # fmt: skip
    except ApplicationError as error:
        return _api_keys_page(request, status=400, values=values, errors={"form": error.message, **error.field_errors})
    # No redirect: the key goes out in this one answer (not in a URL or the session), and is never stored.
    response = _api_keys_page(request, new_key=raw, new=key, example_url=company_url(request.tenant, "/api/v1/kpis/"))
    response["Cache-Control"] = "private, no-store"  # never cached, whatever elettro.security_headers becomes
    return response


@require_POST
@require_permission("api_keys.manage")
def revoke_api_key(request: HttpRequest, key_id: int) -> HttpResponse:
    key = get_object_or_404(api_keys_of(request.tenant), pk=key_id)  # another company's key: 404
    if key.revoked_at is not None:
        messages.info(request, f"The key {key.prefix}… “{key.name}” was already revoked.")
    else:
        api_key_revoke(key=key, by=request.user)
        messages.success(request, f"The key {key.prefix}… “{key.name}” is revoked: calls with it are refused now.")
    return redirect("api_keys")
