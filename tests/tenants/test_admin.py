"""Operators: the admin is on the public domain, for staff only."""

from __future__ import annotations

import pytest

from tenants.models import Company, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return User.objects.create_superuser(email="ops@elettro.example.com", password="Opsy-Daisy-1234")


def test_admin_is_for_staff_only(public_client, make_company, staff):
    _, owner = make_company("alpha")

    assert public_client.get("/admin/").status_code == 302  # to the admin login
    public_client.force_login(owner)  # a company owner is not an operator
    assert public_client.get("/admin/tenants/company/").status_code == 302
    public_client.force_login(staff)
    assert public_client.get("/admin/tenants/company/").status_code == 200


def test_admin_does_not_exist_on_company_hosts(make_company, company_client, staff):
    company, _owner = make_company("alpha")
    from tenants.models import Membership

    Membership.objects.create(user=staff, company=company, role="owner")

    assert company_client(company, staff).get("/admin/").status_code == 404


def test_operators_search_filter_and_suspend_companies(public_client, make_company, add_member, staff):
    alpha, _ = make_company("alpha", name="Alpha Traders")
    add_member(alpha, "viewer")
    make_company("bravo", name="Bravo Mills")
    public_client.force_login(staff)

    listing = public_client.get("/admin/tenants/company/", {"q": "alpha"}).content.decode()
    assert "Alpha Traders" in listing and "Bravo Mills" not in listing
    assert '<td class="field-member_count">2</td>' in listing

    public_client.post(
        "/admin/tenants/company/", {"action": "suspend", "_selected_action": [alpha.pk], "index": 0}, follow=True
    )
    assert Company.objects.get(pk=alpha.pk).status == Company.Status.SUSPENDED
    suspended = public_client.get("/admin/tenants/company/", {"status__exact": "suspended"}).content.decode()
    assert "Alpha Traders" in suspended and "Bravo Mills" not in suspended

    public_client.post("/admin/tenants/company/", {"action": "reactivate", "_selected_action": [alpha.pk]})
    assert Company.objects.get(pk=alpha.pk).status == Company.Status.ACTIVE


def test_users_and_memberships_are_in_admin(public_client, make_company, staff):
    make_company("alpha")
    public_client.force_login(staff)

    assert "owner@alpha.example.com" in public_client.get("/admin/tenants/user/").content.decode()
    assert "owner@alpha.example.com" in public_client.get("/admin/tenants/membership/").content.decode()
    assert "alpha.localhost" in public_client.get("/admin/tenants/domain/").content.decode()
