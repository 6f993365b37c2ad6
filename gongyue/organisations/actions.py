"""Every state change of units and membership.

Each action is atomic, checks that the change is allowed (raising ActionRefused with readable
blockers), writes one audit row and notifies: notify() writes the inbox rows and queues the mail
in the action's own transaction, so a refused or rolled-back action tells nobody. Views, API
endpoints, commands and duties call these and nothing else.
"""

from datetime import date, timedelta

from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from gongyue.accounts.models import SIGNING_ROLES, Role, RoleGrant, User
from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.convention.canonical import CANONICAL_FORMAT
from gongyue.convention.models import Convention, Version
from gongyue.core.deadlines import china_date, deadline, start_of_day
from gongyue.core.duties import schedule_reminder
from gongyue.core.errors import ActionRefused, refuse_if
from gongyue.core.models import Reminder
from gongyue.core.notify import notify

from . import queries
from .models import (
    APPLICATION_FIELDS,
    Application,
    ApplicationStatus,
    Capacity,
    EndedBy,
    Founder,
    JoinedBy,
    MemberImport,
    Membership,
    RegisterList,
    Signature,
    Unit,
    UnitCategory,
    Withdrawal,
    WithdrawalStatus,
)

MAIL = "organisations/mail/"
# Days before the publication deadline on which the secretariat is reminded (Art. 25).
PUBLICATION_REMINDER_DAYS = (7, 1)


# Contact details stay out of the append-only audit log; it records only that they changed.
PRIVATE_FIELDS = {"contact_name", "contact_phone", "contact_email"}


def _application_values(application) -> dict:
    return {name: getattr(application, name) for name in APPLICATION_FIELDS}


def _audit_values(values: dict) -> dict:
    return {
        name: ("…" if name in PRIVATE_FIELDS and value else value) for name, value in values.items()
    }


# Applications ------------------------------------------------------------------------------------


@transaction.atomic
def do_create_application(*, actor, data: dict) -> Application:
    """Save a new draft application for the signed-in applicant."""
    if Application.objects.open().filter(applicant=actor).exists():
        raise ActionRefused(_("You already have an application in progress."), code="duplicate")
    application = Application(
        applicant=actor, **{k: v for k, v in data.items() if k in APPLICATION_FIELDS}
    )
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise ActionRefused(
            _("You already have an application in progress."), code="duplicate"
        ) from None
    record(
        "organisations.application_created",
        actor=actor,
        subject=application,
        new=_audit_values(_application_values(application)),
        visibility=Visibility.SECRETARIAT,
    )
    return application


@transaction.atomic
def do_update_application(application, *, actor, data: dict) -> Application:
    """Change a draft or returned application."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not application.is_editable:
        raise ActionRefused(
            _("Only a draft or a returned application can be changed."), code="not_editable"
        )
    old = _application_values(application)
    for name, value in data.items():
        if name in APPLICATION_FIELDS:
            setattr(application, name, value)
    application.updated_at = timezone.now()
    application.save()
    new = _application_values(application)
    record(
        "organisations.application_changed",
        actor=actor,
        subject=application,
        old=_audit_values({k: v for k, v in old.items() if v != new[k]}),
        new=_audit_values({k: v for k, v in new.items() if v != old[k]}),
        visibility=Visibility.SECRETARIAT,
    )
    return application


@transaction.atomic
def do_submit_application(application, *, actor) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    refuse_if(application.blockers_to_submit(), code="cannot_submit")
    old_status = application.status
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = timezone.now()
    try:
        with transaction.atomic():
            application.save(update_fields=["status", "submitted_at"])
    except IntegrityError:
        # Another application for the same code was submitted in the same instant.
        raise ActionRefused(
            _("Another application for the code %(code)s is under review or awaiting signature.")
            % {"code": application.uscc},
            code="duplicate_uscc",
        ) from None
    record(
        "organisations.application_submitted",
        actor=actor,
        subject=application,
        old={"status": old_status},
        new={"status": application.status},
        visibility=Visibility.SECRETARIAT,
    )
    notify(
        queries.secretariat_people(),
        kind="membership",
        template=MAIL + "application_submitted",
        context={"name": application.name, "resubmitted": old_status == ApplicationStatus.RETURNED},
        url=reverse("organisations:review", args=[application.pk]),
    )
    return application


def _decide(application, *, actor, status, reasons: str, action: str, template: str) -> Application:
    if not actor.is_secretariat:
        raise ActionRefused(
            _("Only the secretariat reviews applications."), code="forbidden", status=403
        )
    application = (
        Application.objects.select_for_update().select_related("applicant").get(pk=application.pk)
    )
    refuse_if(application.blockers_to_review(status), code="not_submitted")
    reasons = (reasons or "").strip()
    if status != ApplicationStatus.APPROVED and not reasons:
        raise ActionRefused(
            _("Give the reasons, so the applicant knows what to do."),
            code="invalid",
            field="reasons",
            status=400,
        )
    old_status = application.status
    now = timezone.now()
    application.status = status
    application.reasons = reasons
    if status == ApplicationStatus.RETURNED:
        application.returned_at = now
        application.times_returned += 1
    else:
        application.decided_at, application.decided_by = now, actor
    application.save()
    record(
        action,
        actor=actor,
        subject=application,
        old={"status": old_status},
        new={"status": status, "reasons": reasons},
        visibility=Visibility.SECRETARIAT,
    )
    notify(
        [application.applicant],
        kind="membership",
        template=MAIL + template,
        context={"name": application.name, "reasons": reasons},
        url=reverse("organisations:application", args=[application.pk]),
    )
    return application


@transaction.atomic
def do_return_application(application, *, actor, reasons: str) -> Application:
    """Send a submitted application back to the applicant for correction, with reasons."""
    return _decide(
        application,
        actor=actor,
        status=ApplicationStatus.RETURNED,
        reasons=reasons,
        action="organisations.application_returned",
        template="application_returned",
    )


@transaction.atomic
def do_reject_application(application, *, actor, reasons: str) -> Application:
    return _decide(
        application,
        actor=actor,
        status=ApplicationStatus.REJECTED,
        reasons=reasons,
        action="organisations.application_rejected",
        template="application_rejected",
    )


@transaction.atomic
def do_approve_application(application, *, actor, note: str = "") -> Application:
    """Approve: the unit is recorded (or updated, when it rejoins) and the applicant's account
    becomes its legal representative's, which may then sign (RULES.md rule 1)."""
    if not actor.is_secretariat:
        raise ActionRefused(
            _("Only the secretariat reviews applications."), code="forbidden", status=403
        )
    application = (
        Application.objects.select_for_update().select_related("applicant").get(pk=application.pk)
    )
    refuse_if(application.blockers_to_approve(), code="cannot_approve")
    now = timezone.now()
    unit = Unit.objects.select_for_update().filter(uscc=application.uscc).first() or Unit(
        uscc=application.uscc
    )
    for name in [
        "name",
        "legal_rep_name",
        "city",
        "address",
        "icp_numbers",
        "websites",
        "contact_name",
        "contact_phone",
        "contact_email",
    ]:
        setattr(unit, name, getattr(application, name))
    unit.save()
    UnitCategory.objects.filter(unit=unit).exclude(code__in=application.categories).delete()
    for code in application.categories:
        UnitCategory.objects.get_or_create(unit=unit, code=code)
    applicant = User.objects.select_for_update().get(pk=application.applicant_id)
    if applicant.unit_id != unit.pk:
        applicant.unit = unit
        applicant.save(update_fields=["unit"])
    if not RoleGrant.objects.filter(
        user=applicant, role=Role.LEGAL_REP, unit=unit, revoked_at__isnull=True
    ).exists():
        RoleGrant.objects.create(
            user=applicant,
            role=Role.LEGAL_REP,
            unit=unit,
            granted_by=actor,
            valid_from=timezone.localdate(now),
        )
    application.status = ApplicationStatus.APPROVED
    application.decided_at, application.decided_by = now, actor
    application.unit = unit
    application.reasons = (note or "").strip()
    application.save()
    record(
        "organisations.application_approved",
        actor=actor,
        subject=application,
        old={"status": ApplicationStatus.SUBMITTED},
        new={"status": ApplicationStatus.APPROVED, "unit": unit.pk, "legal_rep": applicant.pk},
        visibility=Visibility.SECRETARIAT,
    )
    notify(
        [application.applicant],
        kind="membership",
        template=MAIL + "application_approved",
        context={"name": application.name},
        url=reverse("organisations:sign", args=[unit.pk]),
    )
    return application


# Delegates ---------------------------------------------------------------------------------------


def _find_or_create_person(email: str, name: str, unit) -> tuple[User, bool]:
    person = User.objects.select_for_update().filter(email__iexact=email).order_by("pk").first()
    if person is not None:
        return person, False
    base = email.split("@")[0][:100] or "delegate"
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}{n}"
    person = User(username=username, email=email, display_name=name, unit=unit)
    person.set_unusable_password()
    person.save()
    return person, True


@transaction.atomic
def do_authorise_delegate(
    unit, *, actor, email: str, name: str, valid_from: date, valid_until: date, letter
) -> RoleGrant:
    """Record the legal representative's written authorisation of a delegate (Art. 25).

    The delegate may then sign and vote for the unit on the days of the validity period. A person
    without an account gets one, with a link to choose a password.
    """
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    today = timezone.localdate()
    if (
        not RoleGrant.objects.active(today)
        .filter(user=actor, unit=unit, role=Role.LEGAL_REP)
        .exists()
    ):
        raise ActionRefused(
            _("Only the unit's legal representative may authorise a delegate."),
            code="forbidden",
            status=403,
        )
    blockers = []
    if valid_until < valid_from:
        blockers.append(_("The authorisation cannot end before it starts."))
    elif valid_until < today:
        blockers.append(_("The validity period has already ended."))
    person, created = _find_or_create_person(email.strip(), name.strip(), unit)
    if person.pk == actor.pk:
        blockers.append(_("The legal representative signs in person and needs no authorisation."))
    if person.unit_id not in (None, unit.pk):
        blockers.append(_("%(person)s belongs to another unit.") % {"person": person})
    if person.is_secretariat or person.is_authority:
        blockers.append(_("Secretariat and authority accounts cannot represent a unit."))
    existing = RoleGrant.objects.filter(
        user=person, role=Role.DELEGATE, unit=unit, revoked_at__isnull=True
    ).first()
    if existing:
        blockers.append(
            _("%(person)s already holds an authorisation (until %(until)s); revoke it first.")
            % {"person": person, "until": existing.valid_until or "—"}
        )
    if blockers:
        raise ActionRefused(*blockers, code="cannot_authorise")
    if person.unit_id is None:
        person.unit = unit
        person.save(update_fields=["unit"])
    grant = RoleGrant(
        user=person,
        role=Role.DELEGATE,
        unit=unit,
        valid_from=valid_from,
        valid_until=valid_until,
        granted_by=actor,
    )
    grant.document.save(letter.name, letter, save=False)
    grant.save()
    record(
        "organisations.delegate_authorised",
        actor=actor,
        subject=grant,
        new={
            "unit": unit.pk,
            "person": person.pk,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "new_account": created,
        },
    )
    context = {
        "unit": unit.name,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "by": str(actor),
    }
    if created:
        uid = urlsafe_base64_encode(force_bytes(person.pk))
        context["set_password_path"] = reverse(
            "accounts:password_reset_confirm",
            args=[uid, default_token_generator.make_token(person)],
        )
    notify(
        [person],
        kind="membership",
        template=MAIL + "delegate_authorised",
        context=context,
        url=reverse("organisations:unit", args=[unit.pk]),
    )
    return grant


@transaction.atomic
def do_revoke_delegate(grant, *, actor) -> RoleGrant:
    grant = (
        RoleGrant.objects.select_for_update(of=("self",))
        .select_related("user", "unit")
        .get(pk=grant.pk)
    )
    if grant.role != Role.DELEGATE:
        raise ActionRefused(_("This is not a delegate's authorisation."), code="not_a_delegate")
    if grant.revoked_at is not None:
        raise ActionRefused(_("This authorisation was already revoked."), code="already_revoked")
    grant.revoked_at, grant.revoked_by = timezone.now(), actor
    grant.save(update_fields=["revoked_at", "revoked_by"])
    record(
        "organisations.delegate_revoked",
        actor=actor,
        subject=grant,
        old={"valid_until": grant.valid_until},
        new={"revoked": True},
    )
    notify(
        [grant.user],
        kind="membership",
        template=MAIL + "delegate_revoked",
        context={"unit": grant.unit.name, "by": str(actor)},
    )
    return grant


# Signing, taking effect and publication ----------------------------------------------------------


def signing_grant(person, unit, on: date) -> RoleGrant | None:
    """The grant that lets a person sign for a unit on a day, read fresh from the database.

    A delegate counts only with the written authorisation on file (Art. 25).
    """
    grants = (
        RoleGrant.objects.active(on)
        .filter(user=person, unit=unit, role__in=SIGNING_ROLES)
        .exclude(role=Role.DELEGATE, document="")
    )
    # The legal representative signs in that capacity even if also named a delegate.
    return min(grants, key=lambda g: g.role != Role.LEGAL_REP, default=None)


def _founders_signed_at(convention):
    """When the last founder first signed; None while one has not signed, or none is named."""
    founders = list(Founder.objects.filter(convention=convention).values_list("unit_id", flat=True))
    if not founders:
        return None
    first = {}
    for unit_id, signed_at in Signature.objects.filter(
        version__convention=convention, unit_id__in=founders
    ).values_list("unit_id", "signed_at"):
        first[unit_id] = min(signed_at, first.get(unit_id, signed_at))
    if len(first) < len(founders):
        return None
    return max(first.values())


def publication_deadline(convention):
    """The deadline to publish a convention that took effect (Art. 25), or None."""
    if convention.effective_at is None:
        return None
    return deadline(convention.effective_at, convention.rule("publication_days"))


def _take_effect(convention, moment):
    """Set 生效 and schedule the publication reminders, in the caller's transaction."""
    convention.effective_at = moment
    convention.save(update_fields=["effective_at"])
    due = publication_deadline(convention)
    url = reverse("organisations:dashboard")
    people = list(queries.secretariat_people())
    for days in PUBLICATION_REMINDER_DAYS:
        due_at = due.ends_at - timedelta(days=days)
        if due_at > moment:
            for person in people:
                schedule_reminder(
                    key=f"convention:{convention.pk}:publication:{days}",
                    recipient=person,
                    due_at=due_at,
                    kind="reminder",
                    template=MAIL + "publication_due",
                    context={
                        "title": convention.title,
                        "last_day": due.last_day.isoformat(),
                        "days": days,
                    },
                    url=url,
                )
    notify(
        people,
        kind="convention",
        template=MAIL + "convention_effective",
        context={"title": convention.title, "last_day": due.last_day},
        url=url,
    )
    return due


@transaction.atomic
def do_sign_convention(unit, *, actor, version, sha256: str) -> Signature:
    """The unit's legal representative or a valid delegate signs the version in force.

    `sha256` is the hash of the text the signer was shown; a mismatch means they read another
    text and nothing is signed. A unit that is not a member becomes one; when the last founder
    of a convention not yet in effect signs, the convention takes effect (Art. 25).
    """
    # The convention row is locked first so that two last founders signing at once cannot both
    # miss each other's signature; the unit row so that one unit's two requests queue.
    convention = Convention.objects.select_for_update().get(pk=version.convention_id)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    version = Version.objects.get(pk=version.pk)
    now = timezone.now()
    grant = signing_grant(actor, unit, china_date(now))
    if grant is None:
        raise ActionRefused(
            _(
                "Only the unit's legal representative or a delegate with an authorisation valid "
                "today may sign."
            ),
            code="not_a_signer",
            status=403,
        )
    if Signature.objects.filter(unit=unit, version=version).exists():
        raise ActionRefused(
            _("This unit has already signed version %(number)s.") % {"number": version.number},
            code="already_signed",
        )
    refuse_if(unit.blockers_to_sign(version, now=now, sha256=sha256), code="cannot_sign")
    try:
        with transaction.atomic():
            signature = Signature.objects.create(
                unit=unit,
                version=version,
                signer=actor,
                signer_name=str(actor)[:150],
                capacity=Capacity.LEGAL_REP if grant.role == Role.LEGAL_REP else Capacity.DELEGATE,
                grant=grant,
                signed_at=now,
                sha256=version.sha256,
                text_format=getattr(version, "canonical_format", CANONICAL_FORMAT),
            )
    except IntegrityError:
        raise ActionRefused(
            _("This unit has already signed version %(number)s.") % {"number": version.number},
            code="already_signed",
        ) from None
    joined = not queries.is_member(unit, now)
    if joined:
        Membership.objects.create(
            unit=unit, started_at=now, joined_by=JoinedBy.SIGNATURE, signature=signature
        )
        Application.objects.filter(
            unit=unit, status=ApplicationStatus.APPROVED, joined_at__isnull=True
        ).update(joined_at=now)
    took_effect = None
    if (
        convention.effective_at is None
        and (signed_at := _founders_signed_at(convention)) is not None
    ):
        took_effect = _take_effect(convention, signed_at)
    record(
        "organisations.convention_signed",
        actor=actor,
        subject=signature,
        visibility=Visibility.PUBLIC,
        new={
            "unit": unit.pk,
            "version": version.pk,
            "sha256": signature.sha256,
            "capacity": signature.capacity,
            "grant": grant.pk,
            "joined": joined,
            "convention_effective_at": convention.effective_at if took_effect else None,
        },
    )
    notify(
        queries.unit_signers(unit),
        kind="membership",
        template=MAIL + "convention_signed",
        context={
            "unit": unit.name,
            "title": version.title,
            "number": version.number,
            "sha256": signature.sha256,
            "signer": signature.signer_name,
            "joined": joined,
        },
        url=reverse("organisations:unit", args=[unit.pk]),
    )
    return signature


@transaction.atomic
def do_attach_sealed_scan(signature, *, actor, upload) -> Signature:
    """Keep the scan of the printed signature page, sealed by the unit (RULES.md rule 2)."""
    signature = Signature.objects.select_for_update().get(pk=signature.pk)
    if signature.sealed_scan:
        raise ActionRefused(_("The sealed page is already on file."), code="already_attached")
    signature.sealed_scan.save(upload.name, upload, save=False)
    signature.sealed_scan_at = timezone.now()
    signature.save(update_fields=["sealed_scan", "sealed_scan_at"])
    record(
        "organisations.sealed_page_received",
        actor=actor,
        subject=signature,
        new={"file": signature.sealed_scan.name.rsplit("/", 1)[-1]},
    )
    return signature


@transaction.atomic
def do_name_founders(convention, *, actor, units) -> list[Founder]:
    """Name the units whose signatures bring a new convention into effect (Art. 25)."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    units = list({u.pk: u for u in units}.values())
    blockers = []
    if convention.effective_at is not None:
        blockers.append(
            _("The convention has already taken effect; its founders can no longer change.")
        )
    if not units:
        blockers.append(_("Name at least one founder."))
    refuse_if(blockers, code="cannot_name_founders")
    old = sorted(Founder.objects.filter(convention=convention).values_list("unit_id", flat=True))
    Founder.objects.filter(convention=convention).exclude(unit__in=units).delete()
    for unit in units:
        Founder.objects.get_or_create(convention=convention, unit=unit)
    # Founders who had all signed already: the convention took effect with the last of them.
    signed_at = _founders_signed_at(convention)
    if signed_at is not None:
        _take_effect(convention, signed_at)
    record(
        "organisations.founders_named",
        actor=actor,
        subject=convention,
        visibility=Visibility.PUBLIC,
        old={"founders": old},
        new={"founders": sorted(u.pk for u in units), "effective_at": convention.effective_at},
    )
    return list(Founder.objects.filter(convention=convention).select_related("unit"))


@transaction.atomic
def do_publish_convention(convention, *, actor, published_on: date | None = None) -> Convention:
    """Publish the convention that took effect; in force (施行) from that day (Art. 25, 30)."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    today = timezone.localdate()
    published_on = published_on or today
    blockers = []
    if convention.effective_at is None:
        blockers.append(_("The convention has not taken effect: not every founder has signed."))
    elif published_on < china_date(convention.effective_at):
        blockers.append(_("The convention cannot be published before it took effect."))
    if convention.published_on is not None:
        blockers.append(
            _("The convention was already published on %(day)s.") % {"day": convention.published_on}
        )
    if published_on > today:
        blockers.append(_("The publication date cannot be in the future."))
    refuse_if(blockers, code="cannot_publish")
    due = publication_deadline(convention)
    convention.published_on = published_on
    convention.save(update_fields=["published_on"])
    # The publication reminders have done their work.
    Reminder.objects.filter(
        key__startswith=f"convention:{convention.pk}:publication:", sent_at__isnull=True
    ).delete()
    record(
        "organisations.convention_published",
        actor=actor,
        subject=convention,
        visibility=Visibility.PUBLIC,
        new={
            "published_on": published_on,
            "deadline": due.last_day,
            "late": published_on > due.last_day,
        },
    )
    return convention


@transaction.atomic
def do_record_convention_dates(
    convention, *, actor, effective_on: date, published_on: date | None
) -> Convention:
    """Record the dates of a convention that took effect before the platform was in use."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    blockers = []
    if convention.effective_at is not None:
        blockers.append(_("The convention's dates are already recorded."))
    if effective_on > timezone.localdate():
        blockers.append(_("The date it took effect cannot be in the future."))
    if published_on is not None and not effective_on <= published_on <= timezone.localdate():
        blockers.append(_("The publication date lies between the date it took effect and today."))
    refuse_if(blockers, code="cannot_record")
    convention.effective_at = start_of_day(effective_on)
    convention.published_on = published_on
    convention.save(update_fields=["effective_at", "published_on"])
    record(
        "organisations.convention_dates_recorded",
        actor=actor,
        subject=convention,
        visibility=Visibility.PUBLIC,
        new={"effective_on": effective_on, "published_on": published_on},
    )
    return convention


# Leaving -----------------------------------------------------------------------------------------


@transaction.atomic
def do_give_withdrawal_notice(
    unit, *, actor, effective_on: date | None = None, reason: str = ""
) -> Withdrawal:
    """A member leaves by notifying the secretariat, without approval (Art. 27).

    The notice is effective on its date (default: the day it is received): today it ends the
    membership now, a later date at 00:00 of that date, when the withdrawal duty tells everyone.
    """
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    now = timezone.now()
    today = china_date(now)
    if signing_grant(actor, unit, today) is None:
        raise ActionRefused(
            _(
                "Only the unit's legal representative or a delegate with a valid authorisation "
                "may give notice."
            ),
            code="forbidden",
            status=403,
        )
    effective_on = effective_on or today
    membership = queries.current_membership(unit, now)
    if membership is None:
        raise ActionRefused(
            _("%(unit)s is not a member, so it cannot withdraw.") % {"unit": unit},
            code="not_a_member",
        )
    if membership.ended_at is not None:
        raise ActionRefused(
            _("%(unit)s has already given notice; it leaves on %(day)s.")
            % {"unit": unit, "day": china_date(membership.ended_at)},
            code="already_withdrawing",
        )
    if effective_on < today:
        raise ActionRefused(
            _("The date cannot be earlier than the day the notice is received."),
            code="invalid",
            field="effective_on",
            status=400,
        )
    effective_at = now if effective_on == today else start_of_day(effective_on)
    immediate = effective_at <= now
    withdrawal = Withdrawal.objects.create(
        unit=unit,
        membership=membership,
        given_by=actor,
        received_at=now,
        effective_on=effective_on,
        effective_at=effective_at,
        reason=(reason or "").strip(),
        status=WithdrawalStatus.EFFECTIVE if immediate else WithdrawalStatus.PENDING,
        took_effect_at=now if immediate else None,
    )
    membership.ended_at, membership.ended_by = effective_at, EndedBy.WITHDRAWAL
    membership.end_reason = withdrawal.reason
    membership.save(update_fields=["ended_at", "ended_by", "end_reason"])
    record(
        "organisations.withdrawal_notified",
        actor=actor,
        subject=withdrawal,
        visibility=Visibility.PUBLIC,
        new={
            "unit": unit.pk,
            "effective_on": effective_on,
            "effective_at": effective_at,
            "immediate": immediate,
        },
    )
    notify(
        [*queries.secretariat_people(), *queries.unit_signers(unit)],
        kind="membership",
        template=MAIL + "withdrawal_notified",
        context={"unit": unit.name, "effective_on": effective_on, "immediate": immediate},
        url=reverse("organisations:public_unit", args=[unit.pk]),
    )
    return withdrawal


def do_complete_withdrawal(withdrawal, *, actor="system", now=None) -> bool:
    """Mark a pending withdrawal effective at its date; returns False if another worker did.

    The membership already ends at `effective_at`, so counts are right even before this runs;
    this records the moment and tells the unit and the secretariat.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # The conditional UPDATE is the claim: only one worker gets rowcount 1.
        claimed = Withdrawal.objects.filter(
            pk=withdrawal.pk, status=WithdrawalStatus.PENDING, effective_at__lte=now
        ).update(status=WithdrawalStatus.EFFECTIVE, took_effect_at=now)
        if not claimed:
            return False
        withdrawal = Withdrawal.objects.select_related("unit").get(pk=withdrawal.pk)
        record(
            "organisations.withdrawal_effective",
            actor=actor,
            subject=withdrawal,
            visibility=Visibility.PUBLIC,
            old={"status": WithdrawalStatus.PENDING},
            new={"status": WithdrawalStatus.EFFECTIVE},
        )
        notify(
            [*queries.secretariat_people(), *queries.unit_signers(withdrawal.unit)],
            kind="membership",
            template=MAIL + "withdrawal_effective",
            context={"unit": withdrawal.unit.name, "effective_on": withdrawal.effective_on},
            url=reverse("organisations:public_unit", args=[withdrawal.unit_id]),
        )
    return True


@transaction.atomic
def do_revoke_membership(unit, *, actor, reason: str) -> Membership:
    """End a membership by decision (Art. 22, 取消成员资格); the cases app calls this."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if not actor.is_secretariat:
        raise ActionRefused(
            _("Only the secretariat revokes a membership."), code="forbidden", status=403
        )
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused(
            _("Give the reasons for the revocation."), code="invalid", field="reason", status=400
        )
    now = timezone.now()
    membership = queries.current_membership(unit, now)
    if membership is None:
        raise ActionRefused(_("%(unit)s is not a member.") % {"unit": unit}, code="not_a_member")
    old = {"ended_at": membership.ended_at, "ended_by": membership.ended_by}
    # A pending withdrawal gives way: the unit leaves now, by revocation.
    Withdrawal.objects.filter(membership=membership, status=WithdrawalStatus.PENDING).update(
        status=WithdrawalStatus.EFFECTIVE, took_effect_at=now
    )
    membership.ended_at, membership.ended_by, membership.end_reason = (
        now,
        EndedBy.REVOCATION,
        reason,
    )
    membership.save(update_fields=["ended_at", "ended_by", "end_reason"])
    record(
        "organisations.membership_revoked",
        actor=actor,
        subject=membership,
        visibility=Visibility.PUBLIC,
        old=old,
        new={"ended_at": now, "ended_by": EndedBy.REVOCATION, "reason": reason},
    )
    notify(
        queries.unit_signers(unit),
        kind="membership",
        template=MAIL + "membership_revoked",
        context={"unit": unit.name, "reason": reason},
        url=reverse("organisations:public_unit", args=[unit.pk]),
    )
    return membership


# Published lists and imports ---------------------------------------------------------------------


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
    from .importing import ImportRefused, check_member_csv

    rows, problems = check_member_csv(data)
    if problems:
        raise ImportRefused(problems)
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
