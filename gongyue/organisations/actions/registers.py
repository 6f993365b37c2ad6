"""Published lists of who joined and left (Art. 27), and the import of an existing member list."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.convention.models import Convention
from gongyue.core.deadlines import start_of_day
from gongyue.core.errors import ActionRefused, refuse_if

from .. import queries
from ..importing import check_member_csv, refuse
from ..models import JoinedBy, MemberImport, Membership, RegisterList, Unit, UnitCategory


@transaction.atomic
def do_publish_register(
    period, *, actor, corrects: RegisterList | None = None, note: str = ""
) -> RegisterList:
    """Publish the list of units that joined and left in a closed period (Art. 27).

    The rows are computed from the membership timeline and frozen on the record. A correction
    cites the record it corrects and must differ from it.
    """
    now = timezone.now()
    blockers = []
    if not period.is_closed(now):
        blockers.append(_("The period %(period)s has not ended yet.") % {"period": period.label})
    # Not locked: the unique constraints on the original and on `corrects` settle a race.
    existing = RegisterList.objects.filter(period=period.key).current().first()
    note = (note or "").strip()
    if corrects is None and existing is not None:
        blockers.append(
            _("The list for %(period)s was published on %(day)s; publish a correction instead.")
            % {"period": period.label, "day": timezone.localdate(existing.published_at)}
        )
    elif corrects is None:
        blockers += RegisterList.objects.blockers_to_publish_in_order(
            period, Convention.objects.current()
        )
    if corrects is not None:
        if corrects.period != period.key:
            blockers.append(_("A correction cites a list of the same period."))
        elif existing is None or corrects.pk != existing.pk:
            blockers.append(_("Only the latest list of a period can be corrected."))
        if not note:
            blockers.append(_("Say what the correction corrects."))
    refuse_if(blockers, code="cannot_publish")
    rows = queries.register_rows(period, now)
    if corrects is not None and corrects.matches(rows):
        raise ActionRefused(
            _("Nothing to correct: the list computed from the timeline equals the published one."),
            code="nothing_to_correct",
        )
    try:
        with transaction.atomic():
            register = RegisterList.objects.create(
                period=period.key,
                starts_on=period.starts_on,
                ends_on=period.ends_on,
                joined=rows["joined"],
                left=rows["left"],
                published_at=now,
                published_by=actor,
                corrects=corrects,
                note=note,
            )
    except IntegrityError:
        raise ActionRefused(
            _("The list for %(period)s was just published by someone else.")
            % {"period": period.label},
            code="already_published",
        ) from None
    record(
        "organisations.register_published",
        actor=actor,
        subject=register,
        visibility=Visibility.PUBLIC,
        new={
            "period": period.key,
            "joined": len(rows["joined"]),
            "left": len(rows["left"]),
            "sha256": register.sha256,
            "corrects": getattr(corrects, "pk", None),
        },
    )
    return register


@transaction.atomic
def do_import_members(data: bytes, *, actor, source_name: str) -> MemberImport:
    """Import an association's existing member list, all or nothing (see importing.py)."""
    rows, problems = check_member_csv(data)
    if problems:
        raise refuse(problems)
    try:
        with transaction.atomic():
            return _import_rows(rows, actor=actor, source_name=source_name)
    except IntegrityError:
        # Someone else recorded one of these units in the meantime; check the file again.
        raise ActionRefused(
            _("The member list changed during the import; nothing was imported. Try again."),
            code="conflict",
        ) from None


def _import_rows(rows, *, actor, source_name):
    batch = MemberImport.objects.create(
        source_name=source_name[:200],
        count=len(rows),
        imported_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    existing = {u.uscc: u for u in Unit.objects.filter(uscc__in=[r.uscc for r in rows])}
    for row in rows:
        unit = existing.get(row.uscc) or Unit(uscc=row.uscc)
        unit.name = row.name
        for name in ("city", "address", "legal_rep_name"):
            if getattr(row, name):
                setattr(unit, name, getattr(row, name))
        if row.icp_numbers:
            unit.icp_numbers = row.icp_numbers
        if row.websites:
            unit.websites = row.websites
        unit.save()
        UnitCategory.objects.bulk_create(
            [UnitCategory(unit=unit, code=code) for code in row.categories], ignore_conflicts=True
        )
        Membership.objects.create(
            unit=unit,
            started_at=start_of_day(row.joined),
            joined_by=JoinedBy.IMPORT,
            imported_in=batch,
        )
    record(
        "organisations.members_imported",
        actor=actor,
        subject=batch,
        visibility=Visibility.PUBLIC,
        new={"file": source_name, "count": len(rows), "uscc": [r.uscc for r in rows]},
    )
    return batch
