"""Pages on a company's subdomain that belong to tenancy: the login hand-off, logout, members, settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from elettro.kernel.errors import ApplicationError

from . import services
from .forms import CompanySettingsForm, InvitationForm, RoleForm
from .handoff import handoff_redeem
from .models import AuditEvent, Membership
from .permissions import has_permission, require_permission
from .roles import Role
from .selectors import audit_events, members_of_company, pending_invitations
from .urls_util import public_url


def handoff(request: HttpRequest) -> HttpResponse:
    redeemed = handoff_redeem(token=request.GET.get("token", ""), company=request.tenant)
    if redeemed is None:
        return redirect(public_url("/accounts/login/", next=f"/go/{request.tenant.subdomain}/"))
    user, family, next_path = redeemed
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session["login_family"] = family
    return redirect(next_path)


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
    }
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
