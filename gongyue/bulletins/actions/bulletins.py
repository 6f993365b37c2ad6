"""Bulletins: draft, publish now or at a set time, read receipts, acknowledgement, reminders."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.core.errors import ActionRefused, refuse_if
from gongyue.core.notify import notify

from .. import markup, queries
from ..events import BulletinEvent
from ..models import Bulletin, BulletinAttachment, BulletinStatus, Receipt

MAIL = "bulletins/mail/"
FIELDS = ["title", "body", "kind", "audience", "categories", "ack_required", "ack_days"]


def _is_person(actor) -> bool:
    return getattr(actor, "is_authenticated", False)


def _visibility(bulletin) -> str:
    return Visibility.PUBLIC if bulletin.is_public else Visibility.MEMBERS


def save_attachment(model, owner_field: str, owner, upload, kind: str):
    """Store one upload checked by the form; the InertFileField checks it again, names it and
    records its SHA-256 (core.uploads)."""
    attachment = model(**{owner_field: owner}, name=upload.name[-200:], kind=kind, size=upload.size)
    attachment.file.save(upload.name, upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def do_create_bulletin(*, actor, data: dict, attachments=()) -> Bulletin:
    """Save a draft bulletin; `attachments` are (upload, kind) pairs checked by the form."""
    if not actor.is_secretariat:
        raise ActionRefused(
            _("Only the secretariat writes bulletins."), code="forbidden", status=403
        )
    values = {name: data[name] for name in FIELDS if name in data}
    if not values.get("ack_required"):
        values["ack_days"] = None
    bulletin = Bulletin(created_by=actor, **values)
    bulletin.body_html = markup.render(bulletin.body)
    bulletin.save()
    files = [
        save_attachment(BulletinAttachment, "bulletin", bulletin, upload, kind)
        for upload, kind in attachments
    ]
    record(
        BulletinEvent.BULLETIN_CREATED,
        actor=actor,
        subject=bulletin,
        new={
            **{name: getattr(bulletin, name) for name in FIELDS if name != "body"},
            "attachments": [{"name": f.name, "sha256": f.sha256} for f in files],
        },
        visibility=Visibility.SECRETARIAT,
    )
    return bulletin


@transaction.atomic
def do_publish_bulletin(bulletin, *, actor, at=None, now=None) -> Bulletin:
    """Publish a bulletin now, or schedule it for `at` (the publish_due duty then publishes it).

    At publication the addressed units are computed from the membership timeline and frozen as
    receipts; their people get it in their inbox and by mail.
    """
    now = now or timezone.now()
    if _is_person(actor) and not actor.is_secretariat:
        raise ActionRefused(
            _("Only the secretariat publishes bulletins."), code="forbidden", status=403
        )
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    refuse_if(bulletin.blockers_to_publish(at=at, now=now), code="cannot_publish")
    units = list(queries.addressed_units(bulletin, now).values_list("pk", flat=True))
    # A person is told when nobody would be addressed; a scheduled publication goes ahead.
    if not units and _is_person(actor):
        raise ActionRefused(
            _("No member unit is in the chosen categories; the bulletin would reach nobody."),
            code="no_addressees",
            field="categories",
            status=400,
        )
    old_status = bulletin.status
    if at is not None:
        bulletin.status, bulletin.publish_at = BulletinStatus.SCHEDULED, at
        bulletin.save(update_fields=["status", "publish_at"])
        record(
            BulletinEvent.BULLETIN_SCHEDULED,
            actor=actor,
            subject=bulletin,
            old={"status": old_status},
            new={"status": bulletin.status, "publish_at": at},
            visibility=Visibility.SECRETARIAT,
        )
        return bulletin
    bulletin.status, bulletin.published_at = BulletinStatus.PUBLISHED, now
    if bulletin.ack_required:
        bulletin.ack_due_at = bulletin.ack_deadline().ends_at
    bulletin.save(update_fields=["status", "published_at", "ack_due_at"])
    Receipt.objects.bulk_create(Receipt(bulletin=bulletin, unit_id=pk) for pk in units)
    record(
        BulletinEvent.BULLETIN_PUBLISHED,
        actor=actor,
        subject=bulletin,
        old={"status": old_status},
        new={
            "status": bulletin.status,
            "published_at": now,
            "audience": bulletin.audience,
            "categories": bulletin.categories,
            "addressed_units": len(units),
            "ack_due_at": bulletin.ack_due_at,
        },
        visibility=_visibility(bulletin),
    )
    notify(
        queries.people_of(Receipt.objects.filter(bulletin=bulletin).values("unit")),
        kind="bulletin",
        template=MAIL + "published",
        context={
            "title": bulletin.title,
            "kind": bulletin.get_kind_display(),
            "ack_due": bulletin.ack_deadline().last_day if bulletin.ack_required else None,
        },
        url=reverse("bulletins:bulletin", args=[bulletin.pk]),
    )
    return bulletin


def do_record_read(bulletin, *, reader, now=None) -> bool:
    """The unit's read receipt: the first of its people to open the bulletin, once.

    Returns True when this opening recorded the receipt. The conditional UPDATE is the claim,
    and the unique (bulletin, unit) receipt row keeps it one per unit.
    """
    if not (_is_person(reader) and reader.unit_id and bulletin.is_published):
        return False
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Receipt.objects.filter(
            bulletin=bulletin, unit=reader.unit_id, read_at__isnull=True
        ).update(read_at=now, read_by=reader)
        if claimed:
            record(
                BulletinEvent.BULLETIN_READ,
                actor=reader,
                subject=bulletin,
                new={"unit": reader.unit_id, "read_at": now},
                visibility=Visibility.SECRETARIAT,
            )
    return bool(claimed)


@transaction.atomic
def do_acknowledge_bulletin(bulletin, *, actor, now=None) -> Receipt:
    """The unit's signer confirms it has taken note; one acknowledgement per unit."""
    now = now or timezone.now()
    if not bulletin.ack_required:
        raise ActionRefused(_("This bulletin does not ask for acknowledgement."), code="no_ack")
    receipt = (
        Receipt.objects.select_for_update()
        .filter(bulletin=bulletin, unit=actor.unit_id)
        .select_related("unit")
        .first()
    )
    if receipt is None:
        raise ActionRefused(
            _("This bulletin is not addressed to your unit."), code="forbidden", status=403
        )
    if receipt.unit.signing_grant(actor, timezone.localdate(now)) is None:
        raise ActionRefused(
            _("Only the unit's legal representative or an authorised delegate acknowledges."),
            code="forbidden",
            status=403,
        )
    if receipt.acknowledged_at:
        raise ActionRefused(
            _("Your unit acknowledged this bulletin on %(day)s.")
            % {"day": timezone.localtime(receipt.acknowledged_at).date()},
            code="already_acknowledged",
        )
    receipt.acknowledged_at, receipt.acknowledged_by = now, actor
    fields = ["acknowledged_at", "acknowledged_by"]
    if receipt.read_at is None:
        receipt.read_at, receipt.read_by = now, actor
        fields += ["read_at", "read_by"]
    receipt.save(update_fields=fields)
    record(
        BulletinEvent.BULLETIN_ACKNOWLEDGED,
        actor=actor,
        subject=bulletin,
        new={
            "unit": receipt.unit_id,
            "acknowledged_at": now,
            "late": bool(bulletin.ack_due_at and now >= bulletin.ack_due_at),
        },
        visibility=Visibility.SECRETARIAT,
    )
    return receipt


@transaction.atomic
def do_remind_unread(bulletin, *, actor, now=None, acknowledgement: bool = False) -> int:
    """Remind the units that have not read (or not acknowledged) a bulletin; returns how many."""
    now = now or timezone.now()
    if _is_person(actor) and not actor.is_secretariat:
        raise ActionRefused(
            _("Only the secretariat sends reminders."), code="forbidden", status=403
        )
    if not bulletin.is_published:
        raise ActionRefused(_("Only a published bulletin has readers to remind."), code="draft")
    if acknowledgement:
        pending = Receipt.objects.filter(bulletin=bulletin).unacknowledged()
    else:
        pending = Receipt.objects.filter(bulletin=bulletin).unread()
    units = pending.values("unit")
    count = pending.update(reminded_at=now)
    if not count:
        return 0
    record(
        BulletinEvent.UNREAD_REMINDED,
        actor=actor,
        subject=bulletin,
        new={"units": count, "acknowledgement": acknowledgement},
        visibility=Visibility.SECRETARIAT,
    )
    recipients = queries.signers_of(units) if acknowledgement else queries.people_of(units)
    deadline = bulletin.ack_deadline()
    notify(
        recipients,
        kind="bulletin",
        template=MAIL + ("ack_reminder" if acknowledgement else "unread_reminder"),
        context={"title": bulletin.title, "ack_due": deadline.last_day if deadline else None},
        url=reverse("bulletins:bulletin", args=[bulletin.pk]),
    )
    return count


def read_reminder_due_before(now):
    """Bulletins published before this moment are due their unread reminder."""
    return now - timedelta(days=settings.BULLETIN_READ_REMINDER_DAYS)


def ack_reminder_due_before(now):
    """Acknowledgement deadlines before this moment are due their reminder."""
    return now + timedelta(days=settings.BULLETIN_ACK_REMINDER_DAYS)
