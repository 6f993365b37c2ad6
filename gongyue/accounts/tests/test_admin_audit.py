"""Site-admin edits that change who can read or do what leave audit rows, or are not possible."""

import pytest
from django.contrib.auth.models import Group, Permission

from gongyue.accounts.actions import do_create_token, do_grant_role
from gongyue.accounts.models import ApiToken, Role, RoleGrant, User
from gongyue.audit.models import AuditEntry
from gongyue.core import testing


@pytest.fixture
def site_admin(db):
    return testing.make_user(
        "root", Role.SITE_ADMIN, is_staff=True, is_superuser=True, display_name="管理员"
    )


@pytest.fixture
def admin_client(client, site_admin):
    client.force_login(site_admin)
    return client


def person_form(person: User, **changes) -> dict:
    """The admin's change form for `person` as it stands, with `changes` applied."""
    data = {
        "username": person.username,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "is_active": "on" if person.is_active else "",
        "is_staff": "on" if person.is_staff else "",
        "is_superuser": "on" if person.is_superuser else "",
        "groups": [str(g.pk) for g in person.groups.all()],
        "user_permissions": [str(p.pk) for p in person.user_permissions.all()],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": person.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": person.date_joined.strftime("%H:%M:%S"),
        "unit": str(person.unit_id or ""),
        "display_name": person.display_name,
        "phone": person.phone,
        "language": person.language,
        "muted_mail_kinds": "[]",
        "grants-TOTAL_FORMS": "0",
        "grants-INITIAL_FORMS": "0",
        "grants-MIN_NUM_FORMS": "0",
        "grants-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def test_changing_a_persons_unit_and_flags_writes_old_and_new_values(
    admin_client, no_unit_user, unit_a, site_admin
):
    group = Group.objects.create(name="审核员")
    permission = Permission.objects.get(codename="view_unit")
    response = admin_client.post(
        f"/admin/accounts/user/{no_unit_user.pk}/change/",
        person_form(
            no_unit_user,
            unit=str(unit_a.pk),
            is_superuser="on",
            is_staff="on",
            groups=[str(group.pk)],
            user_permissions=[str(permission.pk)],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    no_unit_user.refresh_from_db()
    assert no_unit_user.unit == unit_a and no_unit_user.is_superuser
    [entry] = entries("accounts.person_changed")
    assert (entry.actor, entry.actor_kind, entry.subject_id) == (
        site_admin,
        "admin",
        str(no_unit_user.pk),
    )
    assert entry.old == {
        "unit": None,
        "is_staff": False,
        "is_superuser": False,
        "groups": [],
        "user_permissions": [],
    }
    assert entry.new == {
        "unit": {"id": unit_a.pk, "name": unit_a.name},
        "is_staff": True,
        "is_superuser": True,
        "groups": ["审核员"],
        "user_permissions": ["organisations.view_unit"],
    }
    assert entry.visibility == "secretariat" and entry.unit_id == unit_a.pk


def test_deactivating_a_person_is_recorded(admin_client, no_unit_user):
    admin_client.post(
        f"/admin/accounts/user/{no_unit_user.pk}/change/", person_form(no_unit_user, is_active="")
    )
    [entry] = entries("accounts.person_changed")
    assert (entry.old, entry.new) == ({"is_active": True}, {"is_active": False})


def test_saving_a_person_unchanged_writes_nothing(admin_client, no_unit_user):
    response = admin_client.post(
        f"/admin/accounts/user/{no_unit_user.pk}/change/", person_form(no_unit_user)
    )
    assert response.status_code == 302
    assert entries("accounts.person_changed") == []


def test_creating_a_person_and_setting_a_password_are_recorded_without_the_password(
    admin_client,
):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newbie",
            "usable_password": "true",
            "password1": "Xk7!pq-2w9zz",
            "password2": "Xk7!pq-2w9zz",
            "grants-TOTAL_FORMS": "0",
            "grants-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person = User.objects.get(username="newbie")
    [created] = entries("accounts.person_created")
    assert created.subject_id == str(person.pk) and created.new["is_superuser"] is False
    response = admin_client.post(
        f"/admin/accounts/user/{person.pk}/password/",
        {"password1": "Other-pass-8812", "password2": "Other-pass-8812"},
    )
    assert response.status_code == 302
    [password_set] = entries("accounts.password_set")
    assert password_set.new == {"usable": True}
    stored = str(created.new) + str(password_set.new) + str(password_set.old)
    assert "pass" not in stored.lower().replace("usable", "")


def test_a_refused_password_form_records_nothing(admin_client, no_unit_user):
    response = admin_client.post(
        f"/admin/accounts/user/{no_unit_user.pk}/password/",
        {"password1": "Other-pass-8812", "password2": "different"},
    )
    assert response.status_code == 200
    assert entries("accounts.password_set") == []


def test_people_cannot_be_deleted_in_the_admin(admin_client, no_unit_user):
    response = admin_client.post(f"/admin/accounts/user/{no_unit_user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=no_unit_user.pk).exists()


def test_a_platform_role_granted_in_the_admin_goes_through_the_audited_action(
    admin_client, no_unit_user, site_admin
):
    response = admin_client.post(
        "/admin/accounts/rolegrant/add/",
        {"user": no_unit_user.pk, "role": Role.SECRETARIAT_STAFF, "valid_from": "2026-01-01"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    grant = RoleGrant.objects.get(user=no_unit_user)
    [entry] = entries("accounts.role_granted")
    assert (entry.actor, entry.subject_id, entry.new["role"]) == (
        site_admin,
        str(grant.pk),
        "secretariat_staff",
    )


def test_unit_roles_are_not_granted_in_the_admin(admin_client, no_unit_user, unit_a):
    response = admin_client.post(
        "/admin/accounts/rolegrant/add/",
        {"user": no_unit_user.pk, "role": Role.LEGAL_REP, "valid_from": "2026-01-01"},
    )
    assert response.status_code == 200
    assert not RoleGrant.objects.filter(user=no_unit_user).exists()
    assert entries("accounts.role_granted") == []


def test_grants_are_read_only_in_the_admin_and_revoked_by_its_action(
    admin_client, no_unit_user, site_admin
):
    grant = do_grant_role(no_unit_user, Role.AUTHORITY, actor="system")
    response = admin_client.post(
        f"/admin/accounts/rolegrant/{grant.pk}/change/",
        {"user": no_unit_user.pk, "role": Role.SITE_ADMIN, "valid_from": "2026-01-01"},
    )
    assert response.status_code == 403
    assert admin_client.post(f"/admin/accounts/rolegrant/{grant.pk}/delete/").status_code == 403
    response = admin_client.post(
        "/admin/accounts/rolegrant/", {"action": "revoke", "_selected_action": [grant.pk]}
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None and grant.revoked_by == site_admin
    [entry] = entries("accounts.role_revoked")
    assert entry.actor == site_admin and entry.subject_id == str(grant.pk)


def test_tokens_are_read_only_in_the_admin_and_revoked_by_its_action(
    admin_client, no_unit_user, site_admin
):
    token, _secret = do_create_token(no_unit_user, name="脚本")
    assert admin_client.get("/admin/accounts/apitoken/add/").status_code == 403
    response = admin_client.post(
        f"/admin/accounts/apitoken/{token.pk}/change/",
        {"name": "renamed", "user": site_admin.pk},
    )
    assert response.status_code == 403
    assert admin_client.post(f"/admin/accounts/apitoken/{token.pk}/delete/").status_code == 403
    token.refresh_from_db()
    assert (token.name, token.user) == ("脚本", no_unit_user)
    admin_client.post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    [entry] = entries("accounts.token_revoked")
    assert entry.actor == site_admin and entry.subject_id == str(token.pk)


def test_units_are_read_only_in_the_admin(admin_client, unit_a):
    response = admin_client.post(
        f"/admin/organisations/unit/{unit_a.pk}/change/",
        {"name": "改名", "uscc": unit_a.uscc, "city": "北京"},
    )
    assert response.status_code == 403
    assert admin_client.post(f"/admin/organisations/unit/{unit_a.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/organisations/unit/add/").status_code == 403
    unit_a.refresh_from_db()
    assert unit_a.name == "赣江网络科技有限公司"


def test_group_permission_changes_and_deletion_are_recorded(admin_client):
    group = Group.objects.create(name="编辑")
    permission = Permission.objects.get(codename="view_apitoken")
    response = admin_client.post(
        f"/admin/auth/group/{group.pk}/change/",
        {"name": "编辑", "permissions": [permission.pk]},
    )
    assert response.status_code == 302
    [changed] = entries("accounts.group_changed")
    assert (changed.old, changed.new) == (
        {"permissions": []},
        {"permissions": ["accounts.view_apitoken"]},
    )
    response = admin_client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Group.objects.filter(pk=group.pk).exists()
    [deleted] = entries("accounts.group_deleted")
    assert deleted.old == {"name": "编辑", "permissions": ["accounts.view_apitoken"]}


def test_every_admin_model_that_governs_access_is_audited_or_read_only():
    """A new registration of these models must choose too (docs/audit.md)."""
    from django.contrib import admin

    from gongyue.accounts.admin import GroupAdmin, UserAdmin

    audited = {User: UserAdmin, Group: GroupAdmin}
    for model, expected in audited.items():
        assert type(admin.site._registry[model]) is expected
    for model in (RoleGrant, ApiToken):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_change_permission(None)
        assert not model_admin.has_delete_permission(None)
    from gongyue.organisations.models import Unit

    assert not admin.site._registry[Unit].has_change_permission(None)
