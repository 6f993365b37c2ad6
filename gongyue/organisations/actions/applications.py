"""Applications to join: drafts, the licence scan, submission, and the secretariat's review
(Art. 4, 27; RULES.md rule 1)."""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.accounts.models import Role, RoleGrant, User
from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.core.errors import ActionRefused, refuse_if
from gongyue.core.notify import notify

from .. import queries
from ..models import APPLICATION_FIELDS, Application, ApplicationStatus, Unit, UnitCategory
from .legal_reps import invite_legal_rep, make_legal_rep

MAIL = "organisations/mail/"

# Contact details stay out of the append-only audit log; it records only that they changed.
PRIVATE_FIELDS = {
    "contact_name",
    "contact_phone",
    "contact_email",
    "legal_rep_email",
    "legal_rep_id_last4",
}


def _application_values(application) -> dict:
    return {name: getattr(application, name) for name in APPLICATION_FIELDS}


def _audit_values(values: dict) -> dict:
    return {
        name: ("…" if name in PRIVATE_FIELDS and value else value) for name, value in values.items()
    }


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
def do_attach_licence(application, *, actor, upload) -> Application:
    """Keep the scan of the business licence with a draft or returned application; a new scan
    replaces the one before (the audit row keeps the SHA-256 of each)."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.applicant_id != actor.pk:
        raise ActionRefused(
            _("Only the applicant changes an application."), code="forbidden", status=403
        )
    if not application.is_editable:
        raise ActionRefused(
            _("Only a draft or a returned application can be changed."), code="not_editable"
        )
    replaced = bool(application.licence_scan)
    # The field checks the content, names the file and keeps its SHA-256 (core.uploads).
    application.licence_scan.save(upload.name, upload, save=False)
    application.licence_scan_at = application.updated_at = timezone.now()
    application.save(
        update_fields=["licence_scan", "licence_scan_sha256", "licence_scan_at", "updated_at"]
    )
    record(
        "organisations.licence_attached",
        actor=actor,
        subject=application,
        new={
            "sha256": application.licence_scan_sha256,
            "size": upload.size,
            "replaced": replaced,
        },
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
def do_approve_application(
    application, *, actor, note: str = "", confirm_legal_rep: bool = False
) -> Application:
    """Approve: the unit is recorded (or updated, when it rejoins) and the applicant becomes its
    contact (unit staff), who cannot sign (RULES.md rule 1).

    The signing role goes to the legal representative named in the application: to the applicant
    when they declared being that person and the secretariat, with `confirm_legal_rep`, confirms
    it against the licence; otherwise the named person is invited by mail to claim it.
    """
    if not actor.is_secretariat:
        raise ActionRefused(
            _("Only the secretariat reviews applications."), code="forbidden", status=403
        )
    application = (
        Application.objects.select_for_update().select_related("applicant").get(pk=application.pk)
    )
    refuse_if(application.blockers_to_approve(), code="cannot_approve")
    if confirm_legal_rep and not application.applicant_is_legal_rep:
        raise ActionRefused(
            _(
                "The applicant did not declare being the legal representative, so there is "
                "nothing to confirm; approve without it and the named legal representative is "
                "invited by mail."
            ),
            code="invalid",
            field="confirm_legal_rep",
            status=400,
        )
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
    legal_rep, retired, invitation = None, [], None
    if confirm_legal_rep:
        legal_rep = applicant
        _grant, retired = make_legal_rep(applicant, unit, actor=actor)
    else:
        if not RoleGrant.objects.filter(
            user=applicant,
            unit=unit,
            role__in=[Role.UNIT_STAFF, Role.LEGAL_REP, Role.DELEGATE],
            revoked_at__isnull=True,
        ).exists():
            RoleGrant.objects.create(
                user=applicant,
                role=Role.UNIT_STAFF,
                unit=unit,
                granted_by=actor,
                valid_from=timezone.localdate(now),
            )
        holder = (
            RoleGrant.objects.active(timezone.localdate(now))
            .filter(unit=unit, role=Role.LEGAL_REP, user__email__iexact=application.legal_rep_email)
            .select_related("user")
            .first()
        )
        if holder is not None:
            # A unit that rejoins keeps its legal representative when the application names them.
            legal_rep = holder.user
        else:
            invitation = invite_legal_rep(application, unit, actor=actor, now=now)
    application.status = ApplicationStatus.APPROVED
    application.decided_at, application.decided_by = now, actor
    application.unit = unit
    application.reasons = (note or "").strip()
    application.legal_rep_confirmed = confirm_legal_rep
    application.save()
    record(
        "organisations.application_approved",
        actor=actor,
        subject=application,
        old={"status": ApplicationStatus.SUBMITTED},
        new={
            "status": ApplicationStatus.APPROVED,
            "unit": unit.pk,
            "contact": applicant.pk,
            "legal_rep_confirmed_against_licence": confirm_legal_rep,
            "legal_rep": getattr(legal_rep, "pk", None),
            "legal_rep_grants_ended": retired,
            "invitation": getattr(invitation, "pk", None),
        },
        visibility=Visibility.SECRETARIAT,
    )
    notify(
        [application.applicant],
        kind="membership",
        template=MAIL + "application_approved",
        context={
            "name": application.name,
            "confirmed": confirm_legal_rep,
            "legal_rep": application.legal_rep_name,
            "invited": invitation.masked_email if invitation else "",
        },
        url=reverse(
            "organisations:sign" if confirm_legal_rep else "organisations:unit", args=[unit.pk]
        ),
    )
    return application
