"""Read-only admin views: every change goes through the audited actions (registry.actions)."""

from django.contrib import admin

from .models import Appeal, Entry, Publication, TrustedUnit


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "kind", "category", "status", "listed_at", "expires_at"]
    list_filter = ["status", "kind", "category"]
    search_fields = ["indicator", "registered_domain"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["pk", "entry", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["entry"]


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["serial", "published_at", "count", "took_ms"]


@admin.register(TrustedUnit)
class TrustedUnitAdmin(ReadOnlyAdmin):
    list_display = ["unit", "since", "by"]
