"""Every change to the registry: submit, review, delist, expire, trust, appeal.

Each ``do_*`` runs in one transaction, checks the transition, saves, writes one audit row, and,
when what is listed changes, takes the next serial with one FeedChange per indicator and has
the feeds published once the transaction commits (``tasks.publish_feeds``).
"""

from __future__ import annotations

import csv
import ipaddress
import logging
import os
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.core import receipts
from gongyue.core.errors import ActionRefused
from gongyue.core.locks import bump_singleton
from gongyue.core.refusals import FileRefused, Problem
from gongyue.core.uploads import KINDS, check_upload
from gongyue.organisations.models import Unit

from . import notices
from .canonical import CanonicalError, canonical_hash, idna_host, parse_ipv4, registered_domain
from .events import Event
from .matcher import Indicator, parse_indicator
from .models import (
    EVIDENCE_KINDS,
    MAX_TEXT_CHARS,
    Appeal,
    AppealFile,
    AppealStatus,
    Category,
    Entry,
    EntryEvent,
    EventKind,
    EvidenceFile,
    FeedChange,
    Op,
    RegistryHead,
    Sighting,
    Status,
    TrustedUnit,
)

logger = logging.getLogger(__name__)

# -- messages for values that cannot be listed --------------------------------------------------


def reason_of(exc: CanonicalError) -> str:
    """A readable, translated sentence for why a value cannot be listed."""
    messages = {
        "empty": _("Enter the value."),
        "too_long": _("The value is too long."),
        "host": _("The URL has no valid host."),
        "scheme": _("Only http and https URLs are listed."),
        "domain": _("This is not a valid domain name."),
        "public_suffix": _(
            "This is a public suffix (such as com.cn or 中国), under which anyone registers "
            "names; list the registered domain instead."
        ),
        "unknown_tld": _("The domain is not under a known top-level domain."),
        "reserved": _(
            "The address is in a private or reserved range, which is not on the internet."
        ),
        "ip": _("This is not a valid IPv4 or IPv6 address."),
        "cidr": _(
            "This is not a valid CIDR network (address/prefix with no host bits set, at most "
            "/%(v4)s for IPv4 and /%(v6)s for IPv6)."
        )
        % {"v4": settings.REGISTRY_MIN_PREFIX_V4, "v6": settings.REGISTRY_MIN_PREFIX_V6},
        "hash": _("A hash is written in hexadecimal digits."),
        "hash_length": _(
            "The hash has the wrong length: SHA-256 has 64 hexadecimal digits, SHA-1 40, MD5 32."
        ),
        "kind": _("Choose the kind of indicator."),
    }
    return messages.get(exc.code, _("This value cannot be listed."))


def check_indicator(value: str, kind: str | None, include_subdomains: bool = False) -> Indicator:
    """The canonical indicator, or ActionRefused (400, on the field "value")."""
    try:
        return parse_indicator(
            value,
            kind or None,
            include_subdomains=include_subdomains,
            min_prefix_v4=settings.REGISTRY_MIN_PREFIX_V4,
            min_prefix_v6=settings.REGISTRY_MIN_PREFIX_V6,
        )
    except CanonicalError as exc:
        raise ActionRefused(reason_of(exc), code="invalid", field="value", status=400) from None


# -- the warning list ---------------------------------------------------------------------------


def _site_host(site: str) -> str:
    from urllib.parse import urlsplit

    site = site.strip()
    host = urlsplit(site if "://" in site else f"http://{site}").hostname or ""
    return host.removeprefix("www.")


_ICP_DOMAIN_COLUMNS = ("domain", "域名", "网站域名", "主办域名")
_ICP_NUMBER_COLUMNS = ("icp", "备案号", "ICP备案号", "网站备案号", "主体备案号")
_ICP_UNIT_COLUMNS = ("unit", "主办单位", "主办单位名称", "主体名称")
_ICP_SPLIT = re.compile(r"[\s,，;；、]+")


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    for index, title in enumerate(header):
        if title.strip().lstrip("\ufeff") in names:
            return index
    return None


@lru_cache(maxsize=4)
def _icp_filings(path: str, _mtime_ns: int, _size: int) -> dict[str, tuple[str, str]]:
    """{domain: (filing number, unit)} of a CSV export of ICP filings (columns named in Chinese
    or English, one or several domains a row); rows without a valid domain are skipped and
    counted in the log. Cached until the file changes."""
    filings, skipped = {}, 0
    with open(path, encoding="utf-8-sig", newline="") as source:
        rows = csv.reader(source)
        header = next(rows, [])
        domain_at = _column(header, _ICP_DOMAIN_COLUMNS)
        number_at, unit_at = (
            _column(header, _ICP_NUMBER_COLUMNS),
            _column(header, _ICP_UNIT_COLUMNS),
        )
        if domain_at is None:
            logger.warning("registry: %s has no domain column (域名 or domain)", path)
            return {}
        for row in rows:
            cell = row[domain_at] if domain_at < len(row) else ""
            number = (
                row[number_at].strip() if number_at is not None and number_at < len(row) else ""
            )
            unit = row[unit_at].strip() if unit_at is not None and unit_at < len(row) else ""
            for value in filter(None, _ICP_SPLIT.split(cell)):
                try:
                    name = idna_host(_site_host(value) or value)
                except CanonicalError:
                    skipped += 1
                    continue
                if "." in name:
                    filings.setdefault(name, (number, unit))
                else:
                    skipped += 1
    if skipped:
        logger.warning("registry: %s: %d domains that are not domain names skipped", path, skipped)
    return filings


def icp_filings() -> dict[str, tuple[str, str]]:
    """The ICP-filed domains of ``REGISTRY_ICP_FILINGS_FILE`` (none when it is not set)."""
    path = settings.REGISTRY_ICP_FILINGS_FILE
    if not path:
        return {}
    try:
        stat = os.stat(path)
    except OSError:
        logger.warning("registry: the ICP filings file %s cannot be read", path)
        return {}
    return _icp_filings(str(path), stat.st_mtime_ns, stat.st_size)


class WarningList:
    """What must not be listed by mistake: the settings' names, networks and hashes, the
    ICP-filed domains of the filings file, and the member units' own websites. Built once per
    action."""

    def __init__(self):
        self.domains = {
            d.strip().lower(): _("on the warning list") for d in settings.REGISTRY_WARNING_DOMAINS
        }
        for name, (number, unit) in icp_filings().items():
            self.domains.setdefault(
                name,
                _("an ICP-filed website (%(number)s, %(unit)s)")
                % {"number": number or "?", "unit": unit or "?"},
            )
        for name, sites in Unit.objects.members().values_list("name", "websites"):
            for site in sites or []:
                host = _site_host(str(site))
                if host:
                    self.domains[host] = _("the website of member unit %(unit)s") % {"unit": name}
        self.networks = [
            ipaddress.ip_network(n, strict=False) for n in settings.REGISTRY_WARNING_NETWORKS
        ]
        self.hashes = {h.strip().lower() for h in settings.REGISTRY_WARNING_HASHES}

    def reason(self, indicator: Indicator) -> str:
        """Why the indicator is on the warning list, or ""."""
        host = indicator.host
        if host:
            labels = host.split(".")
            for start in range(len(labels)):
                suffix = ".".join(labels[start:])
                if suffix in self.domains:
                    return f"{suffix}: {self.domains[suffix]}"
            return ""
        if indicator.kind in ("ip", "cidr"):
            network = ipaddress.ip_network(indicator.value, strict=False)
            for listed in self.networks:
                if listed.version == network.version and listed.overlaps(network):
                    return f"{listed}: {_('on the warning list')}"
            return ""
        if indicator.value in self.hashes:
            return _("the hash of a harmless file that is everywhere")
        return ""


# -- serials and publication --------------------------------------------------------------------


def _changed(changes: list[tuple[str, Entry]]) -> int | None:
    """Take the next serial for these list changes and publish the feeds after the commit."""
    if not changes:
        return None
    serial = bump_singleton(RegistryHead, "serial").serial
    FeedChange.objects.bulk_create(
        [
            FeedChange(serial=serial, op=op, indicator=e.indicator, category=e.category, entry=e)
            for op, e in changes
        ],
        batch_size=1000,
    )
    from .tasks import publish_feeds

    transaction.on_commit(lambda: publish_feeds.enqueue())
    return serial


def ttl_for(category: str) -> timedelta:
    return timedelta(days=settings.REGISTRY_TTL_DAYS.get(category, 90))


def _event(entry, kind, note="", at=None):
    return EntryEvent(entry=entry, kind=kind, note=note[:MAX_TEXT_CHARS], at=at or timezone.now())


def _registered(indicator: Indicator) -> str:
    host = indicator.host
    if not host or host.startswith("[") or parse_ipv4(host) == host:
        return ""
    return registered_domain(host)


def _locked(entry: Entry) -> Entry:
    return Entry.objects.select_for_update().get(pk=entry.pk)


# -- submitting ---------------------------------------------------------------------------------


@dataclass
class Item:
    """One row of a submission, as the form or the API gives it."""

    value: str
    category: str
    kind: str = ""
    include_subdomains: bool = False
    evidence: str = ""
    sample_sha256: str = ""
    expires_at: object = None


class InvalidBatch(FileRefused):
    """A batch with bad rows, refused whole. ``rows`` are (row from 0, field, message), as the
    API names them (``items.<row>.<field>``); ``problems`` the same as core refusals, the
    first item being row 1."""

    def __init__(self, rows):
        self.rows = list(rows)
        super().__init__(
            [Problem.at_row(row + 1, message, code=field) for row, field, message in self.rows],
            code="invalid_batch",
            gettext=_,
        )
        self.field = "items"


@dataclass
class Submitted:
    entry: Entry
    outcome: str  # "created", "sighted" or "reopened"
    sighting: Sighting | None = None


def check_batch_size(count: int) -> None:
    """ActionRefused (400) for an empty batch or one over REGISTRY_MAX_BATCH."""
    limit = settings.REGISTRY_MAX_BATCH
    if not count:
        raise ActionRefused(
            _("Send at least one indicator."), code="invalid", field="items", status=400
        )
    if count > limit:
        raise ActionRefused(
            _(
                "%(count)s indicators were sent; at most %(limit)s are accepted at once. Split the batch."
            )
            % {"count": f"{count:,}", "limit": f"{limit:,}"},
            code="too_many",
            field="items",
            status=400,
        )


def _check_items(items: list[Item], now) -> tuple[list[Indicator], list]:
    problems, indicators, seen = [], [], set()
    check_batch_size(len(items))
    latest = now + timedelta(days=settings.REGISTRY_MAX_TTL_DAYS)
    for row, item in enumerate(items):
        indicator = None
        try:
            indicator = check_indicator(item.value, item.kind, item.include_subdomains)
        except ActionRefused as refused:
            problems.append((row, "value", refused.blockers[0]))
        if item.category not in Category.values:
            problems.append((row, "category", _("Choose a category.")))
        if len(item.evidence or "") > MAX_TEXT_CHARS:
            problems.append(
                (
                    row,
                    "evidence",
                    _("The evidence is longer than %(limit)s characters.")
                    % {"limit": MAX_TEXT_CHARS},
                )
            )
        if item.sample_sha256:
            try:
                canonical_hash(item.sample_sha256, "sha256")
            except CanonicalError:
                problems.append(
                    (
                        row,
                        "sample_sha256",
                        _("The sample hash must be a SHA-256 (64 hexadecimal digits)."),
                    )
                )
        if item.expires_at is not None and not (now < item.expires_at <= latest):
            problems.append(
                (
                    row,
                    "expires_at",
                    _("The expiry must be in the future and at most %(days)s days away.")
                    % {"days": settings.REGISTRY_MAX_TTL_DAYS},
                )
            )
        if indicator is not None:
            if indicator.line in seen:
                problems.append(
                    (
                        row,
                        "value",
                        _("%(indicator)s appears earlier in this batch.")
                        % {"indicator": indicator.line},
                    )
                )
            seen.add(indicator.line)
        indicators.append(indicator)
    return indicators, problems


def item_problems(items: list[Item]) -> list[tuple[int, str, str]]:
    """What `do_submit_entries` refuses in these items without reading the database (bad
    values, a duplicate in the batch …): (row from 0, field, message)."""
    return _check_items(items, timezone.now())[1]


@transaction.atomic
def do_submit_entries(items: list[Item], *, actor, unit) -> list[Submitted]:
    """Submit indicators for `unit` (all or nothing): a new one becomes an entry awaiting review
    (listed at once when the unit is trusted and it is not on the warning list); one already
    known gets a sighting, which keeps it listed longer. InvalidBatch names every bad row."""
    now = timezone.now()
    indicators, problems = _check_items(items, now)
    if problems:
        raise InvalidBatch(problems)
    lines = [i.line for i in indicators]
    # Lock the known entries: a concurrent review or expiry waits for this submission.
    known = {e.indicator: e for e in Entry.objects.select_for_update().filter(indicator__in=lines)}
    recent = set(
        Sighting.objects.filter(
            entry__in=known.values(),
            unit=unit,
            at__gt=now - timedelta(hours=settings.REGISTRY_RESIGHT_HOURS),
        ).values_list("entry__indicator", flat=True)
    )
    for row, line in enumerate(lines):
        if line in recent:
            problems.append(
                (
                    row,
                    "value",
                    _("Your unit already submitted %(indicator)s in the last %(hours)s hours.")
                    % {"indicator": line, "hours": settings.REGISTRY_RESIGHT_HOURS},
                )
            )
    if problems:
        raise InvalidBatch(problems)
    trusted = TrustedUnit.objects.filter(unit=unit).exists()
    warnings = WarningList()
    results, sightings, events, changes = [], [], [], []
    for item, indicator in zip(items, indicators):
        expires = item.expires_at or now + ttl_for(item.category)
        entry = known.get(indicator.line)
        if entry is None:
            entry = Entry(
                kind=indicator.kind,
                value=indicator.value,
                include_subdomains=indicator.include_subdomains,
                indicator=indicator.line,
                registered_domain=_registered(indicator),
                category=item.category,
                unit=unit,
                created_at=now,
                last_sighted_at=now,
                expires_at=expires,
                warning=warnings.reason(indicator)[:300],
            )
            if trusted and not entry.warning:
                entry.status, entry.listed_at, entry.listed_by = Status.LISTED, now, actor
            entry.save()
            outcome = "created"
        else:
            outcome = "sighted"
            entry.last_sighted_at = now
            if entry.status == Status.LISTED:
                entry.expires_at = max(entry.expires_at or expires, expires)
            else:
                entry.expires_at = expires
                if entry.status != Status.PENDING:
                    # Back for a second look; a trusted unit relists what merely expired.
                    relist = trusted and entry.status == Status.EXPIRED and not entry.warning
                    entry.status = Status.LISTED if relist else Status.PENDING
                    entry.listed_at = now if relist else None
                    entry.listed_by = actor if relist else None
                    entry.reviewed_at = entry.reviewed_by = None
                    entry.ended_at = None
                    outcome = "reopened"
            entry.save()
        if entry.status == Status.LISTED and outcome != "sighted":
            changes.append((Op.ADD, entry))
            events.append(_event(entry, EventKind.LISTED, at=now))
        sightings.append(
            Sighting(
                entry=entry,
                unit=unit,
                submitted_by=actor,
                at=now,
                evidence=item.evidence or "",
                sample_sha256=(item.sample_sha256 or "").lower(),
            )
        )
        results.append(Submitted(entry, outcome, sightings[-1]))
    Sighting.objects.bulk_create(sightings, batch_size=1000)
    EntryEvent.objects.bulk_create(events, batch_size=1000)
    serial = _changed(changes)
    record(
        Event.ENTRIES_SUBMITTED,
        actor=actor,
        subject=results[0].entry if len(results) == 1 else unit,
        new={
            "unit": unit.pk,
            "count": len(results),
            "created": sum(r.outcome == "created" for r in results),
            "sighted": sum(r.outcome == "sighted" for r in results),
            "listed": len(changes),
            "serial": serial,
            "indicators": [r.entry.indicator for r in results],
        },
        visibility=Visibility.SECRETARIAT,
    )
    return results


def do_submit_entry(item: Item, *, actor, unit) -> Submitted:
    """One indicator; a bad value is refused on its field rather than as row 1."""
    try:
        (result,) = do_submit_entries([item], actor=actor, unit=unit)
    except InvalidBatch as invalid:
        _row, field, _message = invalid.rows[0]
        raise ActionRefused(
            *[m for _r, _f, m in invalid.rows], code="invalid", field=field, status=400
        ) from None
    return result


def _store_screenshot(row, upload):
    """Check an uploaded screenshot (PNG or JPEG, read from its bytes) and store it as `row`,
    an unsaved EvidenceFile or AppealFile."""
    kind = check_upload(upload, kinds=EVIDENCE_KINDS)
    row.kind, row.size = KINDS[kind].name, upload.size
    row.file.save("evidence", upload, save=False)
    row.save()
    return row


@transaction.atomic
def do_add_evidence_file(sighting: Sighting, upload, *, actor):
    """Attach a screenshot to a sighting: its type read from its bytes (PNG or JPEG only),
    stored under a server-chosen name with its SHA-256. FileRefused when it is no image."""
    row = _store_screenshot(EvidenceFile(sighting=sighting), upload)
    record(
        Event.EVIDENCE_ADDED,
        actor=actor,
        subject=sighting.entry,
        new={"file": row.pk, "sha256": row.sha256, "kind": row.kind, "size": row.size},
        visibility=Visibility.SECRETARIAT,
    )
    return row


@transaction.atomic
def do_add_appeal_file(appeal: Appeal, upload, *, actor):
    """Attach a screenshot to an open appeal (checked and stored as a sighting's is)."""
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.status != AppealStatus.OPEN:
        raise ActionRefused(
            _("The appeal is decided; nothing more can be added to it."), code="appeal_decided"
        )
    row = _store_screenshot(AppealFile(appeal=appeal), upload)
    record(
        Event.EVIDENCE_ADDED,
        actor=actor if getattr(actor, "is_authenticated", False) else "public",
        subject=appeal,
        new={"appeal": appeal.pk, "sha256": row.sha256, "kind": row.kind, "size": row.size},
        visibility=Visibility.SECRETARIAT,
    )
    return row


# -- review -------------------------------------------------------------------------------------


def _approve(entry: Entry, *, actor, note: str, override: bool, now) -> tuple[dict, list]:
    """One locked entry approved: its snapshot before, and the list change it makes."""
    confirming = entry.status == Status.LISTED and entry.reviewed_at is None
    if not (entry.status == Status.PENDING or confirming):
        raise ActionRefused(
            _("Only an entry awaiting review can be approved; this one is %(status)s.")
            % {"status": entry.get_status_display()},
            code="wrong_status",
        )
    if entry.warning and not confirming:
        if not override:
            raise ActionRefused(
                _(
                    "%(indicator)s is on the warning list (%(why)s): only the secretariat head may list it, with an explicit override."
                )
                % {"indicator": entry.indicator, "why": entry.warning},
                code="warning_list",
            )
        if not actor.is_secretariat_head:
            raise ActionRefused(
                _("Only the secretariat head may override the warning list."),
                code="forbidden",
                status=403,
            )
    old = entry.snapshot()
    entry.reviewed_at, entry.reviewed_by = now, actor
    entry.reason = note[:MAX_TEXT_CHARS]
    changes = []
    if not confirming:
        entry.status, entry.listed_at, entry.listed_by = Status.LISTED, now, actor
        if entry.warning:
            entry.overridden_by = actor
        if entry.expires_at is None or entry.expires_at <= now:
            entry.expires_at = now + ttl_for(entry.category)
        changes.append((Op.ADD, entry))
        EntryEvent.objects.create(entry=entry, kind=EventKind.LISTED, at=now)
    entry.save()
    return old, changes


def _record_approval(entry, *, actor, old, note, override, serial) -> None:
    record(
        Event.ENTRY_APPROVED,
        actor=actor,
        subject=entry,
        old=old,
        new={
            **entry.snapshot(),
            "override": bool(entry.warning and override),
            "note": note,
            "serial": serial,
        },
        visibility=Visibility.SECRETARIAT,
    )


def _reject(entry: Entry, *, actor, reason: str, now) -> tuple[dict, list]:
    """One locked entry rejected: its snapshot before, and the list change it makes."""
    unreviewed = entry.status == Status.LISTED and entry.reviewed_at is None
    if not (entry.status == Status.PENDING or unreviewed):
        raise ActionRefused(
            _("Only an entry awaiting review can be rejected; this one is %(status)s.")
            % {"status": entry.get_status_display()},
            code="wrong_status",
        )
    old = entry.snapshot()
    entry.status, entry.reviewed_at, entry.reviewed_by = Status.REJECTED, now, actor
    entry.reason = reason[:MAX_TEXT_CHARS]
    changes = []
    if unreviewed:
        entry.ended_at = now
        changes.append((Op.REMOVE, entry))
        EntryEvent.objects.create(entry=entry, kind=EventKind.REJECTED, at=now)
    entry.save()
    return old, changes


def _record_rejection(entry, *, actor, old, reason, serial) -> None:
    record(
        Event.ENTRY_REJECTED,
        actor=actor,
        subject=entry,
        old=old,
        new={**entry.snapshot(), "reason": reason, "serial": serial},
        visibility=Visibility.SECRETARIAT,
    )


def _reason_given(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused(_("Give the reason."), code="invalid", field="reason", status=400)
    return reason


@transaction.atomic
def do_approve_entry(entry: Entry, *, actor, note: str = "", override: bool = False) -> Entry:
    """List a pending entry, or confirm one a trusted unit listed. An entry on the warning list
    needs ``override`` from the secretariat head."""
    entry = _locked(entry)
    old, changes = _approve(entry, actor=actor, note=note, override=override, now=timezone.now())
    serial = _changed(changes)
    _record_approval(entry, actor=actor, old=old, note=note, override=override, serial=serial)
    notices.entry_reviewed(entry, approved=True, note=note)
    return entry


@transaction.atomic
def do_reject_entry(entry: Entry, *, actor, reason: str) -> Entry:
    """Refuse a pending entry, or take off the list one a trusted unit listed and nobody has
    reviewed; the reason is required and shown to the submitting unit."""
    reason = _reason_given(reason)
    entry = _locked(entry)
    old, changes = _reject(entry, actor=actor, reason=reason, now=timezone.now())
    serial = _changed(changes)
    _record_rejection(entry, actor=actor, old=old, reason=reason, serial=serial)
    notices.entry_reviewed(entry, approved=False, note=reason)
    return entry


@transaction.atomic
def do_review_entries(entries, *, actor, approve: bool, note: str = "") -> list[Entry]:
    """Approve or reject many entries awaiting review at once (a unit's batch, say), all or
    none: one serial for the lot, an audit row for each entry, one notice a unit. A rejection
    needs the reason. The warning list is not overridden here: such an entry is refused, named,
    and the head lists it on its own page."""
    if not approve:
        note = _reason_given(note)
    check_batch_size(len(entries))
    now = timezone.now()
    locked = list(
        Entry.objects.select_for_update()
        .select_related("unit")
        .filter(pk__in=[e.pk for e in entries])
        .order_by("pk")
    )
    done, changes, refused = [], [], []
    for entry in locked:
        try:
            if approve:
                old, more = _approve(entry, actor=actor, note=note, override=False, now=now)
            else:
                old, more = _reject(entry, actor=actor, reason=note, now=now)
        except ActionRefused as refusal:
            refused.append(f"{entry.indicator}: {refusal.blockers[0]}")
            continue
        done.append((entry, old))
        changes += more
    if refused:
        raise ActionRefused(*refused, code="not_all_reviewable")
    serial = _changed(changes)
    for entry, old in done:
        if approve:
            _record_approval(entry, actor=actor, old=old, note=note, override=False, serial=serial)
        else:
            _record_rejection(entry, actor=actor, old=old, reason=note, serial=serial)
    notices.entries_reviewed([entry for entry, _old in done], approved=approve, note=note)
    return [entry for entry, _old in done]


def _delist(entry: Entry, now, note: str) -> int | None:
    entry.status, entry.ended_at = Status.DELISTED, now
    entry.save()
    EntryEvent.objects.create(entry=entry, kind=EventKind.DELISTED, at=now, note=note)
    return _changed([(Op.REMOVE, entry)])


@transaction.atomic
def do_delist_entry(entry: Entry, *, actor, reason: str) -> Entry:
    """Take a listed entry off the list (the secretariat's own correction)."""
    reason = _reason_given(reason)
    entry = _locked(entry)
    if entry.status != Status.LISTED:
        raise ActionRefused(_("The entry is not listed."), code="not_listed")
    old = entry.snapshot()
    serial = _delist(entry, timezone.now(), reason)
    record(
        Event.ENTRY_DELISTED,
        actor=actor,
        subject=entry,
        old=old,
        new={**entry.snapshot(), "reason": reason, "serial": serial},
        visibility=Visibility.PUBLIC,
    )
    return entry


@transaction.atomic
def do_expire_entries(now=None) -> int:
    """Take off the list every entry whose expiry has passed; returns how many."""
    now = now or timezone.now()
    due = list(Entry.objects.select_for_update().due_to_expire(now))
    if not due:
        return 0
    for entry in due:
        entry.status, entry.ended_at = Status.EXPIRED, now
    Entry.objects.bulk_update(due, ["status", "ended_at"], batch_size=1000)
    EntryEvent.objects.bulk_create([_event(e, EventKind.EXPIRED, at=now) for e in due])
    serial = _changed([(Op.REMOVE, e) for e in due])
    for entry in due:
        record(
            Event.ENTRY_EXPIRED,
            actor="system",
            subject=entry,
            old={"status": Status.LISTED},
            new={**entry.snapshot(), "serial": serial},
            visibility=Visibility.PUBLIC,
        )
    return len(due)


# -- trusted submitters -------------------------------------------------------------------------


@transaction.atomic
def do_trust_unit(unit, *, actor) -> TrustedUnit:
    trust, created = TrustedUnit.objects.get_or_create(unit=unit, defaults={"by": actor})
    if not created:
        raise ActionRefused(_("The unit is already a trusted submitter."), code="unchanged")
    record(Event.UNIT_TRUSTED, actor=actor, subject=unit, new={"trusted": True})
    return trust


@transaction.atomic
def do_untrust_unit(unit, *, actor) -> None:
    if not TrustedUnit.objects.filter(unit=unit).delete()[0]:
        raise ActionRefused(_("The unit is not a trusted submitter."), code="unchanged")
    record(Event.UNIT_UNTRUSTED, actor=actor, subject=unit, new={"trusted": False})


# -- appeals ------------------------------------------------------------------------------------


@transaction.atomic
def do_file_appeal(
    entry: Entry,
    *,
    actor,
    name: str,
    contact: str,
    grounds: str,
    evidence: str = "",
    unit=None,
    screenshot=None,
) -> tuple[Appeal, str]:
    """Appeal a listed entry, with a screenshot if given; returns the appeal and, for a person
    without an account, the receipt code (shown once, stored only as a slow hash)."""

    entry = _locked(entry)
    if entry.status != Status.LISTED:
        raise ActionRefused(
            _("Only a listed entry can be appealed; this one is %(status)s.")
            % {"status": entry.get_status_display()},
            code="not_listed",
        )
    if entry.appeals.filter(status=AppealStatus.OPEN).exists():
        raise ActionRefused(
            _("An appeal against this entry is already open; it is decided first."),
            code="appeal_open",
        )
    grounds = (grounds or "").strip()
    if not grounds:
        raise ActionRefused(_("Give your grounds."), code="invalid", field="grounds", status=400)
    person = actor if getattr(actor, "is_authenticated", False) else None
    code = "" if person else receipts.new_receipt_code()
    appeal = Appeal.objects.create(
        entry=entry,
        unit=unit,
        submitted_by=person,
        name=name.strip()[:200],
        contact=contact.strip()[:200],
        grounds=grounds[:MAX_TEXT_CHARS],
        evidence=(evidence or "").strip()[:MAX_TEXT_CHARS],
        receipt_digest=receipts.hash_receipt(code) if code else "",
    )
    files = [_store_screenshot(AppealFile(appeal=appeal), screenshot)] if screenshot else []
    EntryEvent.objects.create(entry=entry, kind=EventKind.APPEALED, at=appeal.created_at)
    record(
        Event.APPEAL_FILED,
        actor=person or "public",
        subject=appeal,
        new={
            "entry": entry.pk,
            "indicator": entry.indicator,
            "unit": unit.pk if unit else None,
            "files": [f.sha256 for f in files],
        },
        visibility=Visibility.SECRETARIAT,
    )
    notices.appeal_filed(appeal)
    return appeal, code


@transaction.atomic
def do_decide_appeal(appeal: Appeal, *, actor, uphold: bool, reason: str) -> Appeal:
    """Uphold (the entry leaves the list) or dismiss an open appeal, by someone other than who
    listed the entry."""
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused(_("Give the reason."), code="invalid", field="reason", status=400)
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    entry = _locked(appeal.entry)
    if appeal.status != AppealStatus.OPEN:
        raise ActionRefused(_("This appeal has already been decided."), code="decided")
    if actor.pk in {entry.listed_by_id, entry.overridden_by_id}:
        raise ActionRefused(
            _("You listed this entry; someone else in the secretariat decides the appeal."),
            code="same_reviewer",
            status=403,
        )
    now = timezone.now()
    appeal.status = AppealStatus.UPHELD if uphold else AppealStatus.DISMISSED
    appeal.decided_at, appeal.decided_by, appeal.reason = now, actor, reason[:MAX_TEXT_CHARS]
    appeal.save()
    serial = None
    if uphold and entry.status == Status.LISTED:
        serial = _delist(entry, now, reason)
    elif not uphold:
        EntryEvent.objects.create(entry=entry, kind=EventKind.APPEAL_DISMISSED, at=now, note=reason)
    record(
        Event.APPEAL_DECIDED,
        actor=actor,
        subject=appeal,
        old={"status": AppealStatus.OPEN},
        new={"status": appeal.status, "entry": entry.pk, "reason": reason, "serial": serial},
        visibility=Visibility.SECRETARIAT,
    )
    notices.appeal_decided(appeal)
    return appeal
