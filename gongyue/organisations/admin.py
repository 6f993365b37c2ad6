"""Read-only admin views: every change goes through the audited actions (organisations.actions)."""

from django.contrib import admin

from gongyue.convention.models import Founder

from .models import (
    Application,
    MemberImport,
    Membership,
    RegisterList,
    Signature,
    Unit,
    Withdrawal,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["name", "uscc", "city", "created_at"]
    search_fields = ["name", "uscc"]


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["name", "uscc", "status", "applicant", "submitted_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["name", "uscc"]
    list_select_related = ["applicant"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["unit", "started_at", "joined_by", "ended_at", "ended_by"]
    list_filter = ["joined_by", "ended_by"]
    list_select_related = ["unit"]


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ["unit", "version", "signer_name", "capacity", "signed_at", "sha256"]
    list_select_related = ["unit", "version"]


@admin.register(Withdrawal)
class WithdrawalAdmin(ReadOnlyAdmin):
    list_display = ["unit", "received_at", "effective_on", "status"]
    list_select_related = ["unit"]


@admin.register(RegisterList)
class RegisterListAdmin(ReadOnlyAdmin):
    list_display = ["period", "published_at", "corrects", "sha256"]


admin.site.register(Founder, ReadOnlyAdmin)
admin.site.register(MemberImport, ReadOnlyAdmin)
