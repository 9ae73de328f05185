"""Invitations, role changes and removals, as owners and admins use them."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tenants.models import Invitation, Membership, User

pytestmark = pytest.mark.django_db

from tests.conftest import PASSWORD  # noqa: E402


def _invite(client, email: str, role: str):
    return client.post("/members/invite/", {"email": email, "role": role}, follow=True)


def _link_path(message) -> str:
    return re.search(r"http://localhost:8000(/invitations/[^/\s]+/)", message.body).group(1)


def test_an_owner_invites_a_new_person_who_creates_an_account_from_the_link(
    make_company, company_client, public_client, django_capture_on_commit_callbacks
):
    company, owner = make_company("alpha", name="Alpha Traders")

    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(company_client(company, owner), "new.person@example.com", "analyst")

    assert "Invitation sent to new.person@example.com" in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.person@example.com"]
    assert "Alpha Traders" in mail.outbox[0].subject
    path = _link_path(mail.outbox[0])

    page = public_client.get(path)
    assert "Create your account for" in page.content.decode()
    accepted = public_client.post(path, {"full_name": "New Person", "password": PASSWORD})

    assert accepted.status_code == 302 and "alpha.localhost" in accepted["Location"]
    user = User.objects.get(email="new.person@example.com")
    assert user.check_password(PASSWORD)
    assert Membership.objects.get(user=user, company=company).role == "analyst"
    # The link works once.
    assert public_client.post(path, {"full_name": "X", "password": PASSWORD}).status_code == 400


def test_an_invitation_to_an_existing_account_attaches_it_after_login(
    make_company, company_client, public_client, django_capture_on_commit_callbacks
):
    company, owner = make_company("alpha")
    _, other_owner = make_company("bravo", owner_email="known@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        _invite(company_client(company, owner), "known@example.com", "manager")
    path = _link_path(mail.outbox[0])

    assert "Log in to accept" in public_client.get(path).content.decode()
    public_client.force_login(other_owner)
    assert public_client.post(path).status_code == 302

    assert set(other_owner.memberships.values_list("company__subdomain", "role")) == {
        ("alpha", "manager"),
        ("bravo", "owner"),
    }


def test_an_invitation_cannot_be_accepted_by_someone_else(make_company, company_client, public_client, add_member):
    company, _owner = make_company("alpha")
    invitation = Invitation.objects.create(
        company=company, email="meant@example.com", role="viewer", token="t0k3n", expires_at="2999-01-01T00:00Z"
    )
    intruder = add_member(make_company("bravo")[0], "viewer", email="intruder@example.com")
    public_client.force_login(intruder)

    response = public_client.post(f"/invitations/{invitation.token}/")

    assert response.status_code == 400 and "This invitation is for meant@example.com" in response.content.decode()
    assert not Membership.objects.filter(user=intruder, company=company).exists()


@pytest.mark.parametrize(
    ("actor_role", "invite_role", "allowed"),
    [
        ("owner", "owner", True),
        ("admin", "manager", True),
        ("admin", "owner", False),
        ("manager", "viewer", False),
        ("analyst", "viewer", False),
        ("viewer", "viewer", False),
    ],
)
def test_who_may_invite_whom(make_company, add_member, company_client, actor_role, invite_role, allowed):
    company, owner = make_company("alpha")
    actor = owner if actor_role == "owner" else add_member(company, actor_role)

    response = company_client(company, actor).post("/members/invite/", {"email": "x@example.com", "role": invite_role})

    assert Invitation.objects.filter(company=company, email="x@example.com").exists() == allowed
    if actor_role in ("manager", "analyst", "viewer"):
        assert response.status_code == 403


def test_roles_change_and_the_last_owner_can_neither_be_demoted_nor_removed(make_company, add_member, company_client):
    company, owner = make_company("alpha")
    admin = add_member(company, "admin")
    analyst = add_member(company, "analyst")
    owner_membership = Membership.objects.get(user=owner)
    analyst_membership = Membership.objects.get(user=analyst)
    as_owner = company_client(company, owner)
    as_admin = company_client(company, admin)

    as_admin.post(f"/members/{analyst_membership.pk}/role/", {"role": "manager"})
    assert Membership.objects.get(pk=analyst_membership.pk).role == "manager"

    as_admin.post(f"/members/{analyst_membership.pk}/role/", {"role": "owner"})  # only owners make owners
    assert Membership.objects.get(pk=analyst_membership.pk).role == "manager"

    as_admin.post(f"/members/{owner_membership.pk}/remove/")  # admins cannot remove owners
    response = as_owner.post(f"/members/{owner_membership.pk}/role/", {"role": "admin"}, follow=True)
    assert "at least one owner" in response.content.decode()
    response = as_owner.post(f"/members/{owner_membership.pk}/remove/", follow=True)
    assert "at least one owner" in response.content.decode()
    assert Membership.objects.get(pk=owner_membership.pk).role == "owner"

    as_owner.post(f"/members/{analyst_membership.pk}/role/", {"role": "owner"})
    as_owner.post(f"/members/{owner_membership.pk}/remove/")  # now there is another owner
    assert not Membership.objects.filter(pk=owner_membership.pk).exists()


def test_members_of_another_company_cannot_be_touched(make_company, add_member, company_client):
    a, owner_a = make_company("alpha")
    b, _ = make_company("bravo")
    victim = Membership.objects.get(user=add_member(b, "viewer"))

    response = company_client(a, owner_a).post(f"/members/{victim.pk}/remove/")

    assert response.status_code == 404
    assert Membership.objects.filter(pk=victim.pk).exists()
