"""Reads that span the registry's models: search, the review queue, changes since a serial."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from gongyue.core.access import is_secretariat
from gongyue.core.errors import ActionRefused
from gongyue.organisations.models import Unit

from .models import Appeal, AppealStatus, Entry, FeedChange, Publication, Sighting, Status


def search(user, *, q: str = "", category: str = "", status: str = "", mine: bool = False):
    """Entries the person may see, newest first: public ones, plus their unit's own (and, for
    the secretariat, all). ``mine``: only what the person's unit submitted or sighted."""
    entries = Entry.objects.all()
    if mine and user.is_authenticated and user.unit_id:
        seen = Sighting.objects.filter(unit_id=user.unit_id).values("entry_id")
        entries = entries.filter(Q(unit_id=user.unit_id) | Q(pk__in=seen))
    if not is_secretariat(user):
        visible = Q(status__in=[Status.LISTED, Status.DELISTED, Status.EXPIRED])
        if user.is_authenticated and user.unit_id:
            visible |= Q(unit_id=user.unit_id)
        entries = entries.filter(visible)
    q = (q or "").strip().lower()
    if q:
        entries = entries.filter(
            Q(indicator__icontains=q) | Q(registered_domain=q) | Q(value__icontains=q)
        )
    if category:
        entries = entries.filter(category=category)
    if status:
        entries = entries.filter(status=status)
    return entries.order_by("-created_at", "-pk")


def review_queue(*, unit=None, category: str = ""):
    """Entries awaiting review, oldest first; of one unit or category when asked."""
    entries = Entry.objects.to_review()
    if unit is not None:
        entries = entries.filter(unit=unit)
    if category:
        entries = entries.filter(category=category)
    return (
        entries.select_related("unit")
        .annotate(sighting_count=Count("sightings"))
        .order_by("created_at", "pk")
    )


def units_to_review():
    """The units that have entries awaiting review (the review queue's filter)."""
    return Unit.objects.filter(pk__in=Entry.objects.to_review().values("unit_id")).order_by(
        "name", "pk"
    )


def trust_rows():
    """The units the secretariat may trust as submitters: the member units, and any unit still
    trusted that is no member now; each with its trust (``registry_trust``, or none) and how
    many entries it submitted, how many of them are listed and how many were rejected."""
    return (
        Unit.objects.filter(
            Q(pk__in=Unit.objects.members().values("pk")) | Q(registry_trust__isnull=False)
        )
        .select_related("registry_trust", "registry_trust__by")
        .annotate(
            submitted=Count("registry_entries"),
            listed=Count("registry_entries", filter=Q(registry_entries__status=Status.LISTED)),
            rejected=Count("registry_entries", filter=Q(registry_entries__status=Status.REJECTED)),
        )
        .order_by("name", "pk")
    )


def open_appeals():
    return (
        Appeal.objects.filter(status=AppealStatus.OPEN)
        .select_related("entry", "entry__listed_by", "unit")
        .prefetch_related("files")
        .order_by("created_at", "pk")
    )


def latest_publication() -> Publication | None:
    return Publication.objects.order_by("-serial").first()


@dataclass
class Changes:
    since: int
    serial: int
    added: list[str]
    removed: list[str]
    count: int
    sha256: str


def changes_since(since: int) -> Changes:
    """What entered and left the list between serial ``since`` and the newest publication,
    with the checksum of the whole list there. Refused (409, code ``full_download_needed``)
    when ``since`` is older than the kept history or from the future (a copy of a list this
    server never published, e.g. after it was restored from a backup); 400 when negative."""
    publication = latest_publication()
    serial = publication.serial if publication else 0
    if since < 0:
        raise ActionRefused(
            _("Serial %(since)s is not published yet; the newest is %(serial)s.")
            % {"since": since, "serial": serial},
            code="invalid",
            field="since",
            status=400,
        )
    if since > serial:
        raise ActionRefused(
            _(
                "Serial %(since)s was never published here (the newest is %(serial)s): "
                "download the full list."
            )
            % {"since": since, "serial": serial},
            code="full_download_needed",
            field="since",
            status=409,
        )
    if publication is not None and since < publication.history_from:
        raise ActionRefused(
            _(
                "The changes since serial %(since)s are no longer kept (history starts at "
                "%(start)s): download the full list."
            )
            % {"since": since, "start": publication.history_from},
            code="full_download_needed",
            field="since",
            status=409,
        )
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    rows = (
        FeedChange.objects.filter(serial__gt=since, serial__lte=serial)
        .order_by("serial", "pk")
        .values_list("op", "indicator")
    )
    for op, indicator in rows.iterator(chunk_size=5000):
        first.setdefault(indicator, op)
        last[indicator] = op
    # Present at `since` if its first change removed it; present now if its last added it.
    added = sorted(i for i, op in last.items() if op == "add" and first[i] == "add")
    removed = sorted(i for i, op in last.items() if op == "remove" and first[i] == "remove")
    return Changes(
        since=since,
        serial=serial,
        added=added,
        removed=removed,
        count=publication.count if publication else 0,
        sha256=publication.sha256 if publication else _EMPTY_SHA256,
    )


_EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
