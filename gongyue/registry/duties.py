"""The registry's duties: expired entries leave the list (and the feeds); a few days before,
the submitting unit is told which of its entries are about to, once a day."""

from contextlib import suppress
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from gongyue.core.duties import duty


@duty("registry.expiry")
def expire_entries(now) -> int:
    from .actions import do_expire_entries

    return do_expire_entries(now)


@duty("registry.expiry_notices")
def notice_expiring_entries(now) -> int:
    """Tell each unit, in one message, which of its listed entries expire within
    REGISTRY_EXPIRY_NOTICE_DAYS and were not told of yet; returns how many entries. Runs once a
    local day: the day is claimed on the registry head with a conditional UPDATE, so two
    workers never both send, and each entry is marked with the expiry it was told of."""
    from . import notices
    from .models import Entry, RegistryHead

    days = settings.REGISTRY_EXPIRY_NOTICE_DAYS
    if days <= 0:
        return 0
    today = timezone.localdate(now)
    with suppress(IntegrityError), transaction.atomic():
        RegistryHead.objects.get_or_create(pk=1)  # another worker may create it meanwhile
    with transaction.atomic():
        if not (
            RegistryHead.objects.filter(pk=1)
            .exclude(expiry_notices_on=today)
            .update(expiry_notices_on=today)
        ):
            return 0
        due = list(
            Entry.objects.expiring_unnoticed(now, now + timedelta(days=days))
            .select_for_update()
            .select_related("unit")
            .order_by("unit_id", "expires_at", "pk")
        )
        for entry in due:
            entry.expiry_notice_for = entry.expires_at
        Entry.objects.bulk_update(due, ["expiry_notice_for"], batch_size=1000)
        notices.entries_expiring(due, days=days)
    return len(due)
