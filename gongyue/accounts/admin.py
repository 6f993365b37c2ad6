from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ApiToken, RoleGrant, User


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    fk_name = "user"
    extra = 0
    fields = ["role", "unit", "valid_from", "valid_until", "revoked_at"]
    # Grants change only through the audited actions (accounts.actions).
    readonly_fields = fields
    can_delete = False

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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest"]
