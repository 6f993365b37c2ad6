"""Every step of a case (Art. 21-22): report or own initiative, triage, recusal, assignment,
redaction, notice, reply, finding, sanction, review and publication. Each is atomic, checks its
transition, writes one audit row and tells whoever must act next."""

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.core.deadlines import deadline
from gongyue.core.duties import schedule_reminder
from gongyue.core.errors import ActionRefused, refuse_if
from gongyue.core.models import Reminder
from gongyue.core.notify import notify
from gongyue.organisations.models import Unit

from .. import queries
from ..events import CaseEvent
from ..models import (
    Case,
    CaseFile,
    CaseSource,
    CaseStatus,
    FileRole,
    Finding,
    Measure,
    Recusal,
    Review,
    ReviewOutcome,
    Sanction,
    last_day,
)

MAIL = "cases/mail/"
# The case's steps are confidential to the parties and the secretariat: the log shows the rest
# of the world only their digest (RULES.md rule 17).
CONFIDENTIAL = Visibility.SECRETARIAT


def case_url(case) -> str:
    return reverse("cases:case", args=[case.pk])


def _tell(people, case, template: str, **context):
    notify(
        people,
        kind="case",
        template=MAIL + template,
        context={"number": case.number, **context},
        url=case_url(case),
        topic=f"case:{case.pk}:{template}",
    )


def _remind(case, step: str, people, ends_at, template: str):
    """Schedule the reminder two working days before a step's deadline (moved if set again)."""
    due_at = queries.reminder_moment(ends_at)
    for person in people:
        schedule_reminder(
            key=f"case:{case.pk}:{step}",
            recipient=person,
            due_at=due_at,
            kind="case",
            template=MAIL + template,
            context={"number": case.number, "last_day": last_day(ends_at).isoformat()},
            url=case_url(case),
        )


def _cancel_reminders(case, step: str) -> None:
    """A step done needs no reminder any more."""
    Reminder.objects.filter(key=f"case:{case.pk}:{step}", sent_at__isnull=True).delete()


def _lock(case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _refuse_transition(case, status) -> None:
    if not case.can_become(status):
        raise ActionRefused(
            _("This case is “%(status)s”; that step is not possible now.")
            % {"status": case.get_status_display()},
            code="invalid_transition",
        )


def _require_secretariat(actor, message=None) -> None:
    if not getattr(actor, "is_secretariat", False):
        raise ActionRefused(
            message or _("Only the secretariat does this."), code="forbidden", status=403
        )


def _require_investigator(case, actor) -> None:
    """Notice, redaction, finding and sanction: the assigned person or the secretariat head,
    never someone recused."""
    _require_secretariat(actor)
    if case.recusals.filter(person=actor).exists():
        raise ActionRefused(_("You are recused from this case."), code="recused", status=403)
    if case.assigned_to_id != actor.pk and not actor.is_secretariat_head:
        raise ActionRefused(
            _("Only the person assigned to the case or the secretariat head does this."),
            code="not_assigned",
            status=403,
        )


def _next_number(now) -> str:
    year = timezone.localtime(now).year
    prefix = f"{year}-"
    last = Case.objects.filter(number__startswith=prefix).aggregate(n=Max("number"))["n"]
    sequence = int(last.split("-")[1]) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def _save_files(case, role, uploads, actor) -> list[CaseFile]:
    files = []
    for upload, kind in uploads:
        case_file = CaseFile(
            case=case,
            role=role,
            uploaded_by=actor,
            name=upload.name[-200:],
            kind=kind,
            size=upload.size,
        )
        case_file.file.save(upload.name, upload, save=False)
        case_file.save()
        files.append(case_file)
    return files


def _files_digest(files) -> list[dict]:
    return [{"name": f.name, "sha256": f.sha256} for f in files]


def _refuse_accused(accused, *, reporter_unit=None, now) -> None:
    if reporter_unit is not None and accused.pk == reporter_unit.pk:
        raise ActionRefused(
            _("A unit cannot report itself."), code="own_unit", field="accused", status=400
        )
    if not accused.is_member(now):
        raise ActionRefused(
            _("%(unit)s is not a member unit: only members can be reported.") % {"unit": accused},
            code="not_a_member",
            field="accused",
            status=400,
        )


def _refuse_articles(articles) -> list[int]:
    chosen = sorted({int(a) for a in articles or ()})
    if not chosen:
        raise ActionRefused(
            _("Pick at least one article of the convention."),
            code="no_article",
            field="articles",
            status=400,
        )
    return chosen


def _create(*, source, actor, data, evidence, now, reporter_unit=None) -> Case:
    accused = Unit.objects.get(pk=getattr(data["accused"], "pk", data["accused"]))
    _refuse_accused(accused, reporter_unit=reporter_unit, now=now)
    articles = _refuse_articles(data.get("articles"))
    triage = deadline(now, queries.convention_rule("case_triage_days"))
    case = Case.objects.create(
        number=_next_number(now),
        source=source,
        reporter=actor if source == CaseSource.REPORT else None,
        reporter_unit=reporter_unit,
        named_to_accused=bool(data.get("named_to_accused")) and source == CaseSource.REPORT,
        accused=accused,
        articles=articles,
        facts=data["facts"],
        occurred_on=data.get("occurred_on"),
        received_at=now,
        opened_by=actor,
        triage_due_at=triage.ends_at,
        status=CaseStatus.RECEIVED if source == CaseSource.REPORT else CaseStatus.INVESTIGATING,
        triaged_at=None if source == CaseSource.REPORT else now,
        triaged_by=None if source == CaseSource.REPORT else actor,
    )
    files = _save_files(case, FileRole.EVIDENCE, evidence, actor)
    return case, files, triage


@transaction.atomic
def do_report_case(*, actor, data: dict, evidence=()) -> Case:
    """A member's person reports another member unit (Art. 21); acknowledged with a number."""
    now = timezone.now()
    if not actor.unit_id or not actor.unit.is_member(now):
        raise ActionRefused(
            _("Only people of a member unit may report a violation."), code="forbidden", status=403
        )
    case, files, triage = _create(
        source=CaseSource.REPORT,
        actor=actor,
        data=data,
        evidence=evidence,
        now=now,
        reporter_unit=actor.unit,
    )
    record(
        CaseEvent.CASE_REPORTED,
        actor=actor,
        subject=case,
        unit=case.accused_id,
        new={
            "number": case.number,
            "accused": case.accused_id,
            "articles": case.articles,
            "named_to_accused": case.named_to_accused,
            "evidence": _files_digest(files),
        },
        visibility=CONFIDENTIAL,
    )
    _tell([actor], case, "case_acknowledged", last_day=triage.last_day)
    people = list(queries.secretariat_people())
    _tell(people, case, "case_received", last_day=triage.last_day)
    _remind(case, "triage", people, triage.ends_at, "triage_reminder")
    return case


@transaction.atomic
def do_open_case(*, actor, data: dict, evidence=()) -> Case:
    """The secretariat investigates on its own initiative (Art. 21): no reporter, no triage."""
    _require_secretariat(actor, _("Only the secretariat opens a case on its own initiative."))
    now = timezone.now()
    case, files, _triage = _create(
        source=CaseSource.OWN_INITIATIVE, actor=actor, data=data, evidence=evidence, now=now
    )
    record(
        CaseEvent.CASE_OPENED,
        actor=actor,
        subject=case,
        unit=case.accused_id,
        new={
            "number": case.number,
            "accused": case.accused_id,
            "articles": case.articles,
            "evidence": _files_digest(files),
        },
        visibility=CONFIDENTIAL,
    )
    return case


@transaction.atomic
def do_triage_case(case, *, actor, decision: str, reasons: str = "") -> Case:
    """Open an investigation, or close the report as unfounded with reasons the reporter sees."""
    _require_secretariat(actor)
    case = _lock(case)
    if case.recusals.filter(person=actor).exists():
        raise ActionRefused(_("You are recused from this case."), code="recused", status=403)
    reasons = (reasons or "").strip()
    now = timezone.now()
    if decision == "unfounded":
        _refuse_transition(case, CaseStatus.UNFOUNDED)
        if not reasons:
            raise ActionRefused(
                _("Give the reasons the reporter will read."),
                code="no_reasons",
                field="reasons",
                status=400,
            )
        case.status, case.closure_reasons = CaseStatus.UNFOUNDED, reasons
        event = CaseEvent.CASE_UNFOUNDED
    else:
        _refuse_transition(case, CaseStatus.INVESTIGATING)
        case.status = CaseStatus.INVESTIGATING
        event = CaseEvent.CASE_TRIAGED
    case.triaged_at, case.triaged_by = now, actor
    case.save(update_fields=["status", "closure_reasons", "triaged_at", "triaged_by"])
    record(
        event,
        actor=actor,
        subject=case,
        unit=case.accused_id,
        old={"status": CaseStatus.RECEIVED},
        new={"status": case.status, "reasons": reasons},
        visibility=CONFIDENTIAL,
    )
    _cancel_reminders(case, "triage")
    if case.reporter_id:
        _tell(
            queries.people_of(case.reporter_unit_id),
            case,
            "case_unfounded" if event == CaseEvent.CASE_UNFOUNDED else "case_investigating",
            reasons=reasons,
        )
    return case


def assignment_blockers(case, person) -> list[str]:
    """Why a person may not work on a case: not secretariat, recused, or working for a party."""
    blockers = []
    if not person.is_secretariat:
        blockers.append(_("%(person)s is not secretariat staff.") % {"person": person})
    if case.recusals.filter(person=person).exists():
        blockers.append(
            _("%(person)s declared a conflict of interest in this case.") % {"person": person}
        )
    if person.unit_id and person.unit_id in (case.accused_id, case.reporter_unit_id):
        blockers.append(_("%(person)s works for a unit party to this case.") % {"person": person})
    return blockers


@transaction.atomic
def do_declare_conflict(case, *, actor, reason: str) -> Recusal:
    """A secretariat person declares a conflict of interest: the recusal is recorded and an
    assignment to them ends."""
    _require_secretariat(actor)
    case = _lock(case)
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused(
            _("Say what the conflict of interest is."), code="invalid", field="reason", status=400
        )
    if case.recusals.filter(person=actor).exists():
        raise ActionRefused(_("Your recusal is already recorded."), code="already_recused")
    recusal = Recusal.objects.create(case=case, person=actor, reason=reason)
    if case.assigned_to_id == actor.pk:
        case.assigned_to, case.assigned_at = None, None
        case.save(update_fields=["assigned_to", "assigned_at"])
    record(
        CaseEvent.CONFLICT_DECLARED,
        actor=actor,
        subject=case,
        unit=case.accused_id,
        new={"person": actor.pk, "reason": reason},
        visibility=CONFIDENTIAL,
    )
    return recusal


@transaction.atomic
def do_assign_case(case, *, actor, person) -> Case:
    """Assign the case to a secretariat person without a conflict (recusal enforced)."""
    _require_secretariat(actor)
    case = _lock(case)
    if case.status in (CaseStatus.UNFOUNDED, CaseStatus.REVIEWED):
        raise ActionRefused(_("This case is closed."), code="closed")
    refuse_if(assignment_blockers(case, person), code="conflict")
    old = case.assigned_to_id
    case.assigned_to, case.assigned_at = person, timezone.now()
    case.save(update_fields=["assigned_to", "assigned_at"])
    record(
        CaseEvent.CASE_ASSIGNED,
        actor=actor,
        subject=case,
        unit=case.accused_id,
        old={"assigned_to": old},
        new={"assigned_to": person.pk},
        visibility=CONFIDENTIAL,
    )
    if person.pk != actor.pk:
        _tell([person], case, "case_assigned")
    return case


@transaction.atomic
def do_redact_file(case, *, actor, case_file, reason: str) -> CaseFile:
    """Withhold a piece of evidence from the accused (before the notice); recorded with why."""
    case = _lock(case)
    _require_investigator(case, actor)
    if case.notified_at is not None:
        raise ActionRefused(
            _("The accused unit has been notified; what it was shown cannot be taken back."),
            code="already_notified",
        )
    if case_file.case_id != case.pk or case_file.role != FileRole.EVIDENCE:
        raise ActionRefused(
            _("Choose a piece of evidence of this case."), code="invalid", field="file", status=400
        )
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused(
            _("Say why it is withheld."), code="invalid", field="reason", status=400
        )
    case_file.redacted_for_accused, case_file.redaction_reason = True, reason
    case_file.save(update_fields=["redacted_for_accused", "redaction_reason"])
    record(
        CaseEvent.EVIDENCE_REDACTED,
        actor=actor,
        subject=case,
        unit=case.accused_id,
        new={"file": case_file.pk, "sha256": case_file.sha256, "reason": reason},
        visibility=CONFIDENTIAL,
    )
    return case_file


@transaction.atomic
def do_notify_accused(case, *, actor, message: str = "") -> Case:
    """Tell the accused unit the allegations, the articles and the evidence it must answer, and
    open its reply period."""
    case = _lock(case)
    _require_investigator(case, actor)
    _refuse_transition(case, CaseStatus.NOTIFIED)
    now = timezone.now()
    period = deadline(now, queries.convention_rule("case_reply_days"))
    case.status = CaseStatus.NOTIFIED
    case.notified_at, case.notified_by = now, actor
    case.notice_text = (message or "").strip()
    case.reply_due_at = period.ends_at
    case.save(update_fields=["status", "notified_at", "notified_by", "notice_text", "reply_due_at"])
    redacted = list(case.files.filter(redacted_for_accused=True).values_list("pk", flat=True))
    record(
        CaseEvent.ACCUSED_NOTIFIED,
        actor=actor,
        subject=case,
        unit=case.accused_id,
        old={"status": CaseStatus.INVESTIGATING},
        new={
            "status": case.status,
            "reply_due_at": case.reply_due_at,
            "redacted_files": redacted,
            "reporter_named": case.named_to_accused,
        },
        visibility=CONFIDENTIAL,
    )
    people = list(queries.people_of(case.accused_id))
    _tell(people, case, "accused_notified", last_day=period.last_day)
    _remind(case, "reply", people, period.ends_at, "reply_reminder")
    return case


@transaction.atomic
def do_reply_to_case(case, *, actor, statement: str, files=()) -> Case:
    """The accused unit's statement and files, before its reply deadline."""
    case = _lock(case)
    if actor.unit_id != case.accused_id:
        raise ActionRefused(_("Only the reported unit replies."), code="forbidden", status=403)
    now = timezone.now()
    refuse_if(case.blockers_to_reply(now), code="cannot_reply")
    case.replied_at, case.replied_by = now, actor
    case.reply_statement = statement
    case.save(update_fields=["replied_at", "replied_by", "reply_statement"])
    saved = _save_files(case, FileRole.REPLY, files, actor)
    record(
        CaseEvent.REPLY_SUBMITTED,
        actor=actor,
        subject=case,
        unit=case.accused_id,
        new={"files": _files_digest(saved)},
        visibility=CONFIDENTIAL,
    )
    _cancel_reminders(case, "reply")
    people = [case.assigned_to] if case.assigned_to_id else list(queries.secretariat_people())
    _tell(people, case, "reply_received")
    return case


@transaction.atomic
def do_record_finding(case, *, actor, data: dict) -> Finding:
    """A reasoned finding; blocked before the reply or its deadline."""
    case = _lock(case)
    _require_investigator(case, actor)
    now = timezone.now()
    refuse_if(case.blockers_to_find(now), code="finding_blocked")
    reasons = (data.get("reasons") or "").strip()
    if not reasons:
        raise ActionRefused(
            _("A finding states its reasons."), code="no_reasons", field="reasons", status=400
        )
    articles = _refuse_articles(data.get("articles") or case.articles)
    relied = list(data.get("evidence_relied_on") or ())
    if any(f.case_id != case.pk for f in relied):
        raise ActionRefused(
            _("Evidence relied on must be files of this case."),
            code="invalid",
            field="evidence_relied_on",
            status=400,
        )
    finding = Finding.objects.create(
        case=case,
        verified=bool(data.get("verified")),
        facts=data["facts"],
        articles=articles,
        adverse_effect=bool(data.get("adverse_effect")),
        reasons=reasons,
        evidence_note=data.get("evidence_note") or "",
        redress=data.get("redress") or default_redress(),
        recorded_at=now,
        recorded_by=actor,
    )
    finding.evidence_relied_on.set(relied)
    case.status = CaseStatus.DECIDED
    case.save(update_fields=["status"])
    record(
        CaseEvent.FINDING_RECORDED,
        actor=actor,
        subject=case,
        unit=case.accused_id,
        old={"status": CaseStatus.NOTIFIED},
        new={
            "verified": finding.verified,
            "adverse_effect": finding.adverse_effect,
            "articles": articles,
            "evidence": [f.pk for f in relied],
        },
        visibility=CONFIDENTIAL,
    )
    parties = [*queries.people_of(case.accused_id)]
    if case.reporter_unit_id:
        parties += list(queries.people_of(case.reporter_unit_id))
    _tell(parties, case, "finding_recorded")
    return finding


def default_redress() -> str:
    days = queries.convention_rule("case_review_days")
    return _(
        "The unit may ask once for a review of a sanction, with its grounds, within %(days)s "
        "days of the decision; it is decided by the secretariat head or staff who took no part."
    ) % {"days": days}


def blockers_to_sanction(case) -> list[str]:
    finding = getattr(case, "finding", None)
    if finding is None:
        return [_("A sanction needs a finding first.")]
    if not finding.allows_sanction:
        return [
            _(
                "A sanction is possible only for a violation verified as true that caused an "
                "adverse effect."
            )
        ]
    if hasattr(case, "sanction"):
        return [_("A sanction has already been decided.")]
    return []


@transaction.atomic
def do_decide_sanction(case, *, actor, measure: str, reasons: str) -> Sanction:
    """Art. 22: an internal notice to all members, or revocation through the membership
    timeline; only on a verified, adverse finding."""
    case = _lock(case)
    _require_investigator(case, actor)
    refuse_if(blockers_to_sanction(case), code="sanction_blocked")
    reasons = (reasons or "").strip()
    if not reasons:
        raise ActionRefused(
            _("A sanction states its reasons."), code="no_reasons", field="reasons", status=400
        )
    if measure not in Measure.values:
        raise ActionRefused(
            _("Choose an internal notice or revocation."),
            code="invalid",
            field="measure",
            status=400,
        )
    now = timezone.now()
    window = deadline(now, queries.convention_rule("case_review_days"))
    sanction = Sanction.objects.create(
        case=case,
        measure=measure,
        measure_in_effect=measure,
        reasons=reasons,
        redress=case.finding.redress,
        decided_at=now,
        decided_by=actor,
        review_due_at=window.ends_at,
    )
    case.status = CaseStatus.SANCTIONED
    case.save(update_fields=["status"])
    record(
        CaseEvent.SANCTION_DECIDED,
        actor=actor,
        subject=case,
        unit=case.accused_id,
        old={"status": CaseStatus.DECIDED},
        new={"measure": measure, "review_due_at": sanction.review_due_at},
        visibility=Visibility.MEMBERS,
    )
    _apply_measure(case, measure, actor=actor, reasons=reasons)
    accused = list(queries.people_of(case.accused_id))
    _tell(
        accused,
        case,
        "sanction_decided",
        measure=sanction.get_measure_display(),
        last_day=window.last_day,
    )
    _remind(case, "review", accused, window.ends_at, "review_reminder")
    return sanction


def _apply_measure(case, measure, *, actor, reasons):
    from gongyue.organisations.actions import do_revoke_membership

    if measure == Measure.REVOCATION:
        do_revoke_membership(
            case.accused,
            actor=actor,
            reason=_("Case %(number)s: %(reasons)s") % {"number": case.number, "reasons": reasons},
        )
    else:
        # The internal notice is a members-only publication: the result page opens to members.
        if case.published_at is None:
            case.published_at, case.published_by = timezone.now(), actor
            case.save(update_fields=["published_at", "published_by"])
        notify(
            queries.member_people(),
            kind="case",
            template=MAIL + "internal_notice",
            context={"number": case.number, "unit": case.accused.name},
            url=reverse("cases:result", args=[case.pk]),
        )


def blockers_to_request_review(case, now) -> list[str]:
    sanction = getattr(case, "sanction", None)
    if sanction is None:
        return [_("Only a sanction can be reviewed.")]
    if hasattr(case, "review"):
        return [_("A review can be asked for once; it has already been asked.")]
    if now >= sanction.review_due_at:
        return [
            _("The time to ask for a review ended on %(day)s at 24:00.")
            % {"day": last_day(sanction.review_due_at)}
        ]
    return []


@transaction.atomic
def do_request_review(case, *, actor, grounds: str) -> Review:
    """The sanctioned unit asks once, within the window, with grounds."""
    case = _lock(case)
    if (
        actor.unit_id != case.accused_id
        or case.accused.signing_grant(actor, timezone.localdate()) is None
    ):
        raise ActionRefused(
            _("Only the sanctioned unit's legal representative or delegate asks for a review."),
            code="forbidden",
            status=403,
        )
    now = timezone.now()
    refuse_if(blockers_to_request_review(case, now), code="review_blocked")
    grounds = (grounds or "").strip()
    if not grounds:
        raise ActionRefused(
            _("Give the grounds for the review."), code="invalid", field="grounds", status=400
        )
    review = Review.objects.create(case=case, grounds=grounds, requested_at=now, requested_by=actor)
    case.status = CaseStatus.UNDER_REVIEW
    case.save(update_fields=["status"])
    record(
        CaseEvent.REVIEW_REQUESTED,
        actor=actor,
        subject=case,
        unit=case.accused_id,
        old={"status": CaseStatus.SANCTIONED},
        new={"status": case.status},
        visibility=CONFIDENTIAL,
    )
    _cancel_reminders(case, "review")
    _tell(queries.secretariat_heads(), case, "review_requested")
    return review


def took_part(case, person) -> bool:
    """Whether a person worked on the case (triaged, was assigned, notified, found, sanctioned)."""
    ids = {case.opened_by_id, case.triaged_by_id, case.assigned_to_id, case.notified_by_id}
    finding = getattr(case, "finding", None)
    sanction = getattr(case, "sanction", None)
    ids |= {
        finding.recorded_by_id if finding else None,
        sanction.decided_by_id if sanction else None,
    }
    return person.pk in ids


def reviewer_blockers(case, person) -> list[str]:
    blockers = []
    if not person.is_secretariat:
        blockers.append(_("Only the secretariat decides a review."))
    elif took_part(case, person):
        blockers.append(_("A review is decided by someone who took no part in the case."))
    elif assignment_blockers(case, person):
        blockers.extend(assignment_blockers(case, person))
    return blockers


@transaction.atomic
def do_decide_review(case, *, actor, outcome: str, reasons: str, new_measure: str = "") -> Review:
    """Uphold, change or annul; an annulled (or changed away) revocation reinstates."""
    case = _lock(case)
    blockers = reviewer_blockers(case, actor)
    if blockers:
        raise ActionRefused(*blockers, code="not_a_reviewer", status=403)
    _refuse_transition(case, CaseStatus.REVIEWED)
    review = Review.objects.select_for_update().get(case=case)
    sanction = case.sanction
    reasons = (reasons or "").strip()
    if not reasons:
        raise ActionRefused(
            _("A review decision states its reasons."),
            code="no_reasons",
            field="reasons",
            status=400,
        )
    if outcome not in ReviewOutcome.values:
        raise ActionRefused(
            _("Choose uphold, change or annul."), code="invalid", field="outcome", status=400
        )
    before = sanction.measure_in_effect
    if outcome == ReviewOutcome.CHANGED:
        if new_measure not in Measure.values or new_measure == before:
            raise ActionRefused(
                _("A changed sanction names the other measure."),
                code="invalid",
                field="new_measure",
                status=400,
            )
        after = new_measure
    elif outcome == ReviewOutcome.ANNULLED:
        after = ""
    else:
        after = before
    now = timezone.now()
    review.outcome, review.reasons = outcome, reasons
    review.new_measure = after if outcome == ReviewOutcome.CHANGED else ""
    review.decided_at, review.decided_by = now, actor
    review.save(update_fields=["outcome", "reasons", "new_measure", "decided_at", "decided_by"])
    sanction.measure_in_effect = after
    sanction.save(update_fields=["measure_in_effect"])
    case.status = CaseStatus.REVIEWED
    case.save(update_fields=["status"])
    record(
        CaseEvent.REVIEW_DECIDED,
        actor=actor,
        subject=case,
        unit=case.accused_id,
        old={"measure": before},
        new={"outcome": outcome, "measure": after},
        visibility=Visibility.MEMBERS,
    )
    if before == Measure.REVOCATION and after != Measure.REVOCATION:
        from gongyue.organisations.actions import do_reinstate_membership

        do_reinstate_membership(
            case.accused,
            actor=actor,
            reason=_("Review of case %(number)s: %(reasons)s")
            % {"number": case.number, "reasons": reasons},
            origin=case,
        )
    elif after == Measure.REVOCATION and before != Measure.REVOCATION:
        _apply_measure(case, after, actor=actor, reasons=reasons)
    _tell(
        queries.people_of(case.accused_id),
        case,
        "review_decided",
        outcome=review.get_outcome_display(),
    )
    return review


def blockers_to_publish(case) -> list[str]:
    if not hasattr(case, "finding"):
        return [_("The result is published once a finding is recorded.")]
    if case.published_at is not None:
        return [_("The result is already published.")]
    return []


@transaction.atomic
def do_publish_result(case, *, actor, summary: str = "") -> Case:
    """Art. 21: the result of the investigation to all members, the reporter not named."""
    case = _lock(case)
    _require_investigator(case, actor)
    refuse_if(blockers_to_publish(case), code="publish_blocked")
    case.published_at, case.published_by = timezone.now(), actor
    case.result_summary = (summary or "").strip()
    case.save(update_fields=["published_at", "published_by", "result_summary"])
    record(
        CaseEvent.RESULT_PUBLISHED,
        actor=actor,
        subject=case,
        unit=case.accused_id,
        new={"number": case.number, "verified": case.finding.verified},
        visibility=Visibility.MEMBERS,
    )
    notify(
        queries.member_people(),
        kind="case",
        template=MAIL + "result_published",
        context={"number": case.number, "unit": case.accused.name},
        url=reverse("cases:result", args=[case.pk]),
    )
    return case
