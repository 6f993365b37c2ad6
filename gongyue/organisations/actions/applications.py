"""Applications to join: drafts, submission, and the secretariat's review (Art. 4, 27)."""

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

MAIL = "organisations/mail/"

# Contact details stay out of the append-only audit log; it records only that they changed.
PRIVATE_FIELDS = {"contact_name", "contact_phone", "contact_email"}


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
