from django.contrib import admin

from .models import AuditEntry, SignedHead, Visibility


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = [
        "seq",
        "at",
        "actor_label",
        "actor_kind",
        "action",
        "subject_label",
        "visibility",
    ]
    list_filter = ["action", "actor_kind", "visibility"]

    def get_queryset(self, request):
        # The authority's rows (Art. 23 complaints) are never shown to the site's administrators.
        return super().get_queryset(request).exclude(visibility=Visibility.AUTHORITY)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SignedHead)
class SignedHeadAdmin(admin.ModelAdmin):
    list_display = ["seq", "signed_at", "occasion", "event", "hash"]
    list_filter = ["occasion"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
