"""The site admin. Edits that change who can read or do what are audited, or not possible here.

- People (User): editable; every change of unit, flags (active, staff, superuser), groups,
  permissions or identity writes one audit row with the old and new values, in the same
  transaction; setting a password writes one too; deleting is refused (deactivate instead,
  so the log's actors and the grants' history stay).
- Role grants: read-only; granting a platform role runs `do_grant_role` and the action "revoke"
  runs `do_revoke_role`, each writing its own audit row. Unit roles are granted only by the
  membership procedures (application approval, delegate authorisation).
- API tokens: read-only; the action "revoke" runs `do_revoke_token`.
- Admin groups: editable, audited like people (their permissions open admin pages).
See docs/audit.md.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.core.errors import ActionRefused

from .actions import do_grant_role, do_revoke_role, do_revoke_token
from .events import AccountsEvent
from .models import UNIT_ROLES, ApiToken, Role, RoleGrant, User

# What an admin edit of a person may change that the log must show.
PERSON_FIELDS = [
    "username",
    "email",
    "first_name",
    "last_name",
    "display_name",
    "phone",
    "unit",
    "is_active",
    "is_staff",
    "is_superuser",
]


def permission_names(permissions) -> list[str]:
    return sorted(f"{p.content_type.app_label}.{p.codename}" for p in permissions)


def person_snapshot(user: User) -> dict:
    """The audited state of a person, read from the database (after the form saved it)."""
    values = {name: getattr(user, name) for name in PERSON_FIELDS if name != "unit"}
    values["unit"] = (
        {"id": user.unit_id, "name": str(user.unit)} if user.unit_id is not None else None
    )
    if user.pk:
        values["groups"] = sorted(user.groups.values_list("name", flat=True))
        values["user_permissions"] = permission_names(
            user.user_permissions.select_related("content_type")
        )
    else:
        values["groups"], values["user_permissions"] = [], []
    return values


def group_snapshot(group: Group) -> dict:
    return {
        "name": group.name,
        "permissions": permission_names(group.permissions.select_related("content_type"))
        if group.pk
        else [],
    }


def changes(old: dict, new: dict) -> tuple[dict, dict]:
    """Only what differs, as (old values, new values)."""
    keys = [key for key in new if old.get(key) != new[key]]
    return {key: old.get(key) for key in keys}, {key: new[key] for key in keys}


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    fk_name = "user"
    extra = 0
    fields = ["role", "unit", "valid_from", "valid_until", "revoked_at"]
    # Grants change only through the audited actions (accounts.actions), from the grants admin.
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("gongyue", {"fields": ["unit", "display_name", "phone", "language", "muted_mail_kinds"]}),
    )
    list_display = ["username", "display_name", "email", "unit", "is_active"]
    list_select_related = ["unit"]
    inlines = [RoleGrantInline]

    def has_delete_permission(self, request, obj=None):
        return False

    def user_change_password(self, request, id, form_url=""):
        """Setting someone's password is recorded (never the password), with the change."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            # The view redirects only once the new password is saved.
            if request.method == "POST" and response.status_code == 302:
                person = User.objects.get(pk=id)
                record(
                    AccountsEvent.PASSWORD_SET,
                    actor=request.user,
                    subject=person,
                    new={"usable": person.has_usable_password()},
                    visibility=Visibility.SECRETARIAT,
                )
        return response

    def save_model(self, request, obj, form, change):
        # Read before saving: the form has already put the new values on `obj`.
        before = User.objects.filter(pk=obj.pk).first() if change else None
        request._audit_person_before = person_snapshot(before) if before else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        person = form.instance
        after = person_snapshot(User.objects.get(pk=person.pk))
        before = getattr(request, "_audit_person_before", None)
        if before is None:
            record(
                AccountsEvent.PERSON_CREATED,
                actor=request.user,
                subject=person,
                new=after,
                visibility=Visibility.SECRETARIAT,
            )
            return
        old, new = changes(before, after)
        if new:
            record(
                AccountsEvent.PERSON_CHANGED,
                actor=request.user,
                subject=person,
                old=old,
                new=new,
                visibility=Visibility.SECRETARIAT,
            )


class PlatformGrantForm(forms.ModelForm):
    class Meta:
        model = RoleGrant
        fields = ["user", "role", "valid_from", "valid_until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Unit roles come from the membership procedures, which check their own rules (Art. 25).
        self.fields["role"].choices = [
            (value, label) for value, label in Role.choices if value not in UNIT_ROLES
        ]


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit", "valid_from", "valid_until", "revoked_at"]
    list_filter = ["role", "revoked_at"]
    list_select_related = ["user", "unit"]
    search_fields = ["user__username", "user__display_name", "unit__name"]
    actions = ["revoke"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = PlatformGrantForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return PlatformGrantForm.Meta.fields
        return ["user", "role", "unit", "valid_from", "valid_until", "document", "granted_by"]

    def has_change_permission(self, request, obj=None):
        # Viewing stays possible (view permission); a grant is never edited, only revoked.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        grant = do_grant_role(
            obj.user,
            obj.role,
            actor=request.user,
            valid_from=obj.valid_from,
            valid_until=obj.valid_until,
        )
        obj.pk = grant.pk

    @admin.action(description=_("Revoke the selected grants"), permissions=["view"])
    def revoke(self, request, queryset):
        revoked = 0
        for grant in queryset.filter(revoked_at__isnull=True):
            try:
                do_revoke_role(grant, actor=request.user)
            except ActionRefused as refusal:
                self.message_user(request, "; ".join(refusal.blockers), messages.ERROR)
                continue
            revoked += 1
        self.message_user(
            request, gettext("Grants revoked: %(n)s.") % {"n": revoked}, messages.SUCCESS
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    fields = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        # A token's secret is shown once, to its owner, on their account page.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected tokens"), permissions=["view"])
    def revoke(self, request, queryset):
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            do_revoke_token(token, actor=request.user)
            revoked += 1
        self.message_user(
            request, gettext("Tokens revoked: %(n)s.") % {"n": revoked}, messages.SUCCESS
        )


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    """Groups' permissions open admin pages to staff: changing them is audited."""

    def save_model(self, request, obj, form, change):
        before = Group.objects.filter(pk=obj.pk).first() if change else None
        request._audit_group_before = group_snapshot(before) if before else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        old, new = changes(
            getattr(request, "_audit_group_before", {}), group_snapshot(form.instance)
        )
        if new:
            record(
                AccountsEvent.GROUP_CHANGED,
                actor=request.user,
                subject=form.instance,
                old=old,
                new=new,
                visibility=Visibility.SECRETARIAT,
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            record(
                AccountsEvent.GROUP_DELETED,
                actor=request.user,
                subject=obj,
                old=group_snapshot(obj),
                visibility=Visibility.SECRETARIAT,
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for group in queryset:
            self.delete_model(request, group)
