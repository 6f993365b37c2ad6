"""State changes of amendments (Art. 26): propose, sponsor, ballot, vote, close.

Each action runs in one transaction, checks the transition against PROPOSAL_TRANSITIONS or the
ballot's state (raising ActionRefused with readable blockers), writes one audit row and notifies through core.notify (inbox rows in the
same transaction, mail as a task stored with them). Who may call them is decided by access.py; who may act *for a
unit* (sponsor, vote) is the membership app's signer rule, read through `acting_grant`.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.accounts.models import Role
from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.convention.actions import do_adopt_version, do_import_version
from gongyue.convention.models import Convention
from gongyue.core.deadlines import china_date, deadline
from gongyue.core.duties import schedule_reminder
from gongyue.core.errors import ActionRefused, refuse_if
from gongyue.core.models import Reminder
from gongyue.core.notify import notify
from gongyue.organisations.models import Unit

from . import queries
from . import record as ballot_record
from .consolidate import consolidate
from .models import (
    Annex,
    AnnexSignature,
    AnnexVersion,
    Ballot,
    Choice,
    Elector,
    Interpretation,
    Kind,
    Proposal,
    ProposalStatus,
    Result,
    Sponsorship,
    Vote,
)
from .threshold import for_convention


def ends_label(period) -> str:
    """A deadline as people read it: its last day, at 24:00 (Civil Code Art. 201–203)."""
    return f"{period.last_day:%Y-%m-%d} 24:00"


def acting_grant(person, unit, moment):
    """The grant that lets `person` act for `unit` (legal representative or a delegate with the
    written authorisation on file, Art. 25); never a unit's staff."""
    return unit.signing_grant(person, china_date(moment))


def _not_a_signer():
    return ActionRefused(
        _(
            "Only the unit's legal representative or a delegate with an authorisation valid "
            "today may act for it."
        ),
        code="not_a_signer",
        status=403,
    )


def _capacity(grant) -> str:
    return "legal_rep" if grant.role == Role.LEGAL_REP else "delegate"


def _transition(proposal, status):
    if not proposal.can_become(status):
        raise ActionRefused(
            _("A proposal that is %(current)s cannot become %(new)s.")
            % {"current": proposal.get_status_display(), "new": ProposalStatus(status).label},
            code="bad_transition",
        )
    old = proposal.status
    proposal.status = status
    return old


def _lock(proposal) -> Proposal:
    return Proposal.objects.select_for_update().select_related("convention").get(pk=proposal.pk)


@transaction.atomic
def do_create_proposal(
    convention,
    *,
    actor,
    unit,
    title: str,
    reasons: str,
    text: bytes | None = None,
    source_name: str = "",
    edits=None,
):
    """Draft a proposal and its reasons: either the whole new text (`text`, parsed like an
    imported version) or `edits` of chosen articles of the version in force (consolidate.py).

    `unit` is the proposing member unit, or None when the executing body proposes.
    """
    now = timezone.now()
    base = convention.versions.in_force().first()
    if base is None:
        raise ActionRefused(_("There is no version in force to amend."), code="nothing_in_force")
    if convention.effective_at is None:
        raise ActionRefused(
            _(
                "The convention has not taken effect yet: its founding text is adopted by the "
                "secretariat head, not amended."
            ),
            code="not_in_effect",
        )
    if unit is not None:
        if not unit.is_member(now):
            raise ActionRefused(
                _("Only member units propose amendments."), code="not_a_member", status=403
            )
        if acting_grant(actor, unit, now) is None:
            raise _not_a_signer()
    if edits is not None:
        text = consolidate(base.structure, edits).encode()
        source_name = source_name or "edits"
    version = do_import_version(
        convention, text, actor=actor, source_name=source_name, note=_("amendment proposal")
    )
    if version.sha256 == base.sha256:
        raise ActionRefused(
            _("The proposed text is the text in force: the proposal changes nothing."),
            code="no_change",
            field="file",
            status=400,
        )
    proposal = Proposal.objects.create(
        convention=convention,
        title=title.strip()[:200],
        reasons=reasons.strip(),
        base_version=base,
        version=version,
        proposer_unit=unit,
        proposed_by=actor,
        created_at=now,
    )
    record(
        "amendments.proposal_created",
        actor=actor,
        subject=proposal,
        new={"title": proposal.title, "version": version.number, "sha256": version.sha256},
    )
    return proposal


@transaction.atomic
def do_submit_proposal(proposal, *, actor):
    """Submit a draft. The executing body's proposal qualifies at once; a member's fixes N and
    opens the sponsorship window, the proposer's unit counting as its first sponsor."""
    proposal = _lock(proposal)
    now = timezone.now()
    if proposal.by_secretariat:
        old = _transition(proposal, ProposalStatus.QUALIFIED)
        proposal.submitted_at = proposal.qualified_at = now
        proposal.save()
        record(
            "amendments.proposal_submitted",
            actor=actor,
            subject=proposal,
            old={"status": old},
            new={"status": proposal.status},
        )
        return proposal
    grant = acting_grant(actor, proposal.proposer_unit, now)
    if grant is None:
        raise _not_a_signer()
    old = _transition(proposal, ProposalStatus.SPONSORING)
    n = Unit.objects.members(now).count()
    window = deadline(now, proposal.convention.rule("sponsorship_days"))
    proposal.submitted_at = now
    proposal.members_at_submission = n
    proposal.sponsors_needed = for_convention(proposal.convention, "proposal").needed(n)
    proposal.sponsorship_closes_at = window.ends_at
    Sponsorship.objects.create(
        proposal=proposal,
        unit=proposal.proposer_unit,
        person=actor,
        capacity=_capacity(grant),
        sponsored_at=now,
    )
    qualified = _qualify_if_enough(proposal, now)
    proposal.save()
    record(
        "amendments.proposal_submitted",
        actor=actor,
        subject=proposal,
        old={"status": old},
        new={
            "status": proposal.status,
            "members": n,
            "sponsors_needed": proposal.sponsors_needed,
            "sponsorship_closes_at": proposal.sponsorship_closes_at,
        },
    )
    if not qualified:
        url = reverse("amendments:proposal", args=[proposal.pk])
        notify(
            queries.member_signers(now, exclude_unit=proposal.proposer_unit_id),
            kind="amendment",
            template="amendments/mail/sponsors_wanted",
            context={
                "proposal": proposal.title,
                "needed": proposal.sponsors_needed,
                "closes": ends_label(window),
            },
            url=url,
        )
    return proposal


def _qualify_if_enough(proposal, now) -> bool:
    """Mark the proposal qualified when its standing sponsors who are still members reach
    ⌈N/10⌉ (the number fixed at submission); the caller saves."""
    count = queries.counting_sponsors(proposal, now).count()
    if count >= proposal.sponsors_needed and proposal.can_become(ProposalStatus.QUALIFIED):
        proposal.status = ProposalStatus.QUALIFIED
        proposal.qualified_at = now
        return True
    return False


def blockers_to_sponsor(proposal, unit, now) -> list[str]:
    blockers = []
    if proposal.status != ProposalStatus.SPONSORING:
        blockers.append(_("This proposal is not collecting sponsors."))
    elif proposal.sponsorship_closes_at <= now:
        blockers.append(_("The sponsorship period of this proposal has ended."))
    if unit is None or not unit.is_member(now):
        blockers.append(_("Only member units sponsor proposals."))
    elif proposal.sponsorships.standing().filter(unit=unit).exists():
        blockers.append(_("Your unit already sponsors this proposal."))
    return blockers


@transaction.atomic
def do_sponsor_proposal(proposal, *, actor):
    proposal = _lock(proposal)
    now = timezone.now()
    unit = actor.unit
    refuse_if(blockers_to_sponsor(proposal, unit, now), code="cannot_sponsor")
    grant = acting_grant(actor, unit, now)
    if grant is None:
        raise _not_a_signer()
    try:
        with transaction.atomic():
            sponsorship = Sponsorship.objects.create(
                proposal=proposal,
                unit=unit,
                person=actor,
                capacity=_capacity(grant),
                sponsored_at=now,
            )
    except IntegrityError:
        raise ActionRefused(
            _("Your unit already sponsors this proposal."), code="cannot_sponsor"
        ) from None
    qualified = _qualify_if_enough(proposal, now)
    proposal.save()
    record(
        "amendments.proposal_sponsored",
        actor=actor,
        subject=proposal,
        new={"unit": unit.pk, "qualified": qualified},
    )
    if qualified:
        _tell_secretariat_qualified(proposal)
    return sponsorship


@transaction.atomic
def do_withdraw_sponsorship(proposal, *, actor):
    """A sponsor may withdraw until the proposal qualifies; the proposer's unit may not (its
    proposal would have no proposer: it withdraws the proposal instead)."""
    proposal = _lock(proposal)
    now = timezone.now()
    unit = actor.unit
    if proposal.status != ProposalStatus.SPONSORING:
        raise ActionRefused(
            _("A sponsorship can be withdrawn only while the proposal collects sponsors."),
            code="cannot_withdraw",
        )
    if unit is not None and unit.pk == proposal.proposer_unit_id:
        raise ActionRefused(
            _("The proposing unit cannot withdraw its sponsorship; withdraw the proposal instead."),
            code="cannot_withdraw",
        )
    if unit is None or acting_grant(actor, unit, now) is None:
        raise _not_a_signer()
    updated = proposal.sponsorships.standing().filter(unit=unit).update(withdrawn_at=now)
    if not updated:
        raise ActionRefused(_("Your unit does not sponsor this proposal."), code="cannot_withdraw")
    record("amendments.sponsorship_withdrawn", actor=actor, subject=proposal, old={"unit": unit.pk})


def _tell_secretariat_qualified(proposal):
    from gongyue.organisations.queries import secretariat_people

    url = reverse("amendments:proposal", args=[proposal.pk])
    notify(
        secretariat_people(),
        kind="amendment",
        template="amendments/mail/qualified",
        context={"proposal": proposal.title},
        url=url,
    )


@transaction.atomic
def do_lapse_proposal(proposal, *, now=None) -> bool:
    """End a member's proposal whose sponsorship window closed short of sponsors (a duty)."""
    now = now or timezone.now()
    claimed = Proposal.objects.filter(
        pk=proposal.pk, status=ProposalStatus.SPONSORING, sponsorship_closes_at__lte=now
    ).update(status=ProposalStatus.LAPSED, ended_at=now)
    if claimed:
        proposal.refresh_from_db()
        record(
            "amendments.proposal_lapsed",
            subject=proposal,
            old={"status": ProposalStatus.SPONSORING},
            new={"status": ProposalStatus.LAPSED},
        )
    return bool(claimed)


def blockers_to_open(proposal) -> list[str]:
    blockers = []
    if proposal.status != ProposalStatus.QUALIFIED:
        blockers.append(_("Only a qualified proposal goes to a ballot."))
    if proposal.kind == Kind.AMENDMENT and proposal.base_version.status != "adopted":
        blockers.append(
            _("The text this proposal amends is no longer in force; it must be proposed again.")
        )
    return blockers


@transaction.atomic
def do_open_ballot(proposal, *, actor, days: int | None = None) -> Ballot:
    """Open the ballot: freeze the electorate (one row per member unit now), publish its hash."""
    proposal = _lock(proposal)
    refuse_if(blockers_to_open(proposal), code="cannot_open")
    now = timezone.now()
    period = deadline(now, days or proposal.convention.rule("ballot_days"))
    threshold = for_convention(
        proposal.convention, "annex" if proposal.kind == Kind.ANNEX else "adoption"
    )
    units = list(Unit.objects.members(now).order_by("pk").values("pk", "name", "uscc"))
    electorate = [{"unit_id": u["pk"], "name": u["name"], "uscc": u["uscc"] or ""} for u in units]
    _transition(proposal, ProposalStatus.BALLOT)
    proposal.save()
    ballot = Ballot.objects.create(
        proposal=proposal,
        opened_at=now,
        opened_by=actor,
        closes_at=period.ends_at,
        closes_rule=str(period.rule)[:300],
        threshold_numerator=threshold.numerator,
        threshold_denominator=threshold.denominator,
        threshold_inclusive=threshold.inclusive,
        electorate_size=len(electorate),
        electorate_sha256=ballot_record.electorate_sha256(electorate),
    )
    Elector.objects.bulk_create(
        Elector(ballot=ballot, unit_id=row["unit_id"], name=row["name"], uscc=row["uscc"])
        for row in electorate
    )
    record(
        "amendments.ballot_opened",
        actor=actor,
        subject=ballot,
        new={
            "closes_at": ballot.closes_at,
            "electorate_size": ballot.electorate_size,
            "electorate_sha256": ballot.electorate_sha256,
            "threshold": threshold.as_dict(),
        },
    )
    url = reverse("amendments:ballot", args=[ballot.pk])
    notify(
        queries.electorate_signers(ballot),
        kind="amendment",
        template="amendments/mail/ballot_opened",
        context={
            "proposal": proposal.title,
            "closes": ends_label(period),
            "needed": ballot.agrees_needed,
            "size": ballot.electorate_size,
        },
        url=url,
    )
    # Two days before the close, a reminder to every unit that has not voted by then (a vote
    # cancels its unit's reminders).
    for person in queries.electorate_signers(ballot):
        schedule_reminder(
            key=f"ballot:{ballot.pk}:unit:{person.unit_id}",
            recipient=person,
            due_at=ballot.closes_at - timedelta(days=2),
            kind="amendment",
            template="amendments/mail/vote_reminder",
            context={"proposal": proposal.title, "closes": ends_label(period)},
            url=url,
        )
    return ballot


def blockers_to_vote(ballot, unit, choice, now) -> list[str]:
    blockers = []
    if not ballot.is_open or ballot.closes_at <= now:
        blockers.append(_("This ballot is closed."))
    if choice not in Choice.values:
        blockers.append(_("Choose agree, disagree or abstain."))
    if unit is None or not ballot.electors.filter(unit=unit).exists():
        blockers.append(
            _("Your unit is not in this ballot's electorate (fixed when the ballot opened).")
        )
    return blockers


@transaction.atomic
def do_cast_vote(ballot, *, actor, choice: str) -> Vote:
    """Record or change the unit's vote; close the ballot at once when the result is decided."""
    # Locked: a unit's two requests queue, and a vote never lands in a ballot being closed.
    ballot = Ballot.objects.select_for_update().select_related("proposal").get(pk=ballot.pk)
    now = timezone.now()
    unit = actor.unit
    refuse_if(blockers_to_vote(ballot, unit, choice, now), code="cannot_vote")
    grant = acting_grant(actor, unit, now)
    if grant is None:
        raise _not_a_signer()
    vote = Vote.objects.filter(ballot=ballot, unit=unit).first()
    old = {"choice": vote.choice} if vote else None
    vote = vote or Vote(ballot=ballot, unit=unit)
    vote.choice, vote.person, vote.capacity, vote.cast_at = choice, actor, _capacity(grant), now
    vote.receipt = vote.compute_receipt()
    vote.save()
    Reminder.objects.filter(key=f"ballot:{ballot.pk}:unit:{unit.pk}", sent_at__isnull=True).delete()
    # Before the ballot closes a vote is the unit's and the secretariat's alone.
    record(
        "amendments.vote_cast",
        actor=actor,
        subject=ballot,
        old=old,
        new={"unit": unit.pk, "choice": choice, "receipt": vote.receipt},
        visibility=Visibility.SECRETARIAT,
    )
    counts = queries.ballot_counts(ballot)
    if (
        ballot.threshold.decided(counts["agree"], counts["not_voted"], ballot.electorate_size)
        is not None
    ):
        _close(ballot, now=now, early=True)
    return vote


@transaction.atomic
def do_close_ballot(ballot, *, now=None) -> bool:
    """Close a ballot whose deadline has come (a duty); False when it was already closed."""
    now = now or timezone.now()
    ballot = Ballot.objects.select_for_update().select_related("proposal").get(pk=ballot.pk)
    if not ballot.is_open:
        return False
    if ballot.closes_at > now:
        raise ActionRefused(_("This ballot is open until its closing date."), code="still_open")
    _close(ballot, now=now, early=False)
    return True


def _close(ballot, *, now, early: bool):
    """Count, decide, and end the proposal; the caller holds the ballot's row lock."""
    counts = queries.ballot_counts(ballot)
    adopted = ballot.threshold.met(counts["agree"], ballot.electorate_size)
    ballot.closed_at = now
    ballot.closed_early = early
    ballot.result = Result.ADOPTED if adopted else Result.REJECTED
    ballot.counts = counts
    ballot.save()
    proposal = Proposal.objects.select_for_update().get(pk=ballot.proposal_id)
    _transition(proposal, ProposalStatus.ADOPTED if adopted else ProposalStatus.REJECTED)
    proposal.ended_at = now
    proposal.save()
    record(
        "amendments.ballot_closed",
        subject=ballot,
        new={"result": ballot.result, "counts": counts, "early": early},
        visibility=Visibility.PUBLIC,
    )
    url = reverse("amendments:ballot", args=[ballot.pk])
    notify(
        queries.electorate_signers(ballot),
        kind="amendment",
        template="amendments/mail/ballot_closed",
        context={
            "proposal": proposal.title,
            "result": ballot.get_result_display(),
            "agree": counts["agree"],
            "size": ballot.electorate_size,
        },
        url=url,
    )


def blockers_to_publish(proposal) -> list[str]:
    blockers = []
    if proposal.status != ProposalStatus.ADOPTED:
        blockers.append(_("Only an amendment adopted by its ballot is published."))
    elif proposal.published_at is not None:
        return [_("This amendment is already published.")]
    if proposal.kind == Kind.AMENDMENT and proposal.base_version.status != "adopted":
        blockers.append(
            _("The text this proposal amends is no longer in force; it must be proposed again.")
        )
    return blockers


@transaction.atomic
def do_publish_amendment(proposal, *, actor):
    """Put the adopted amendment's text in force: its version is adopted with the amendment as
    its origin, the text it amends superseded; in force from publication (Art. 30 by analogy).
    Members who signed an earlier version stay members."""
    proposal = _lock(proposal)
    refuse_if(blockers_to_publish(proposal), code="cannot_publish")
    if proposal.kind == Kind.ANNEX:
        return _publish_annex(proposal, actor=actor)
    now = timezone.now()
    version = do_adopt_version(proposal.version, actor=actor, origin=proposal)
    proposal.published_at = now
    proposal.save(update_fields=["published_at"])
    record(
        "amendments.amendment_published",
        actor=actor,
        subject=proposal,
        new={"version": version.number, "sha256": version.sha256, "in_force_from": now},
        visibility=Visibility.PUBLIC,
    )
    notify(
        queries.member_signers(now),
        kind="amendment",
        template="amendments/mail/published",
        context={"proposal": proposal.title, "number": version.number},
        url=reverse("convention:version", args=[version.number]),
    )
    return proposal


# Annexes (Art. 28) --------------------------------------------------------------------------------


@transaction.atomic
def do_create_annex_proposal(
    convention, *, actor, unit, title, sub_industry, reasons, text: bytes, annex=None
):
    """A member proposes a sub-industry agreement (or a new text of an annex in force): the text
    is parsed like the convention's; it then goes through sponsors and a ballot."""
    from gongyue.convention.actions import parse_upload
    from gongyue.convention.canonical import canonical_text, text_sha256

    now = timezone.now()
    base = convention.versions.in_force().first()
    if base is None:
        raise ActionRefused(_("There is no version in force to amend."), code="nothing_in_force")
    if unit is None or not unit.is_member(now):
        raise ActionRefused(
            _("Only member units propose sub-industry agreements."),
            code="not_a_member",
            status=403,
        )
    if acting_grant(actor, unit, now) is None:
        raise _not_a_signer()
    parsed = parse_upload(text)
    canonical = canonical_text(parsed)
    if annex is None:
        annex = Annex.objects.create(
            convention=convention, title=title.strip()[:200], sub_industry=sub_industry.strip()
        )
    else:
        annex = Annex.objects.select_for_update().get(pk=annex.pk)
        current = annex.version_in_force
        if current is not None and current.sha256 == text_sha256(canonical):
            raise ActionRefused(
                _("The proposed text is the text in force: the proposal changes nothing."),
                code="no_change",
                field="file",
                status=400,
            )
    number = (annex.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    annex_version = AnnexVersion.objects.create(
        annex=annex,
        number=number,
        structure=parsed.to_dict(),
        canonical_text=canonical,
        sha256=text_sha256(canonical),
        created_at=now,
    )
    proposal = Proposal.objects.create(
        convention=convention,
        kind=Kind.ANNEX,
        title=title.strip()[:200],
        reasons=reasons.strip(),
        base_version=base,
        annex_version=annex_version,
        proposer_unit=unit,
        proposed_by=actor,
        created_at=now,
    )
    record(
        "amendments.proposal_created",
        actor=actor,
        subject=proposal,
        new={
            "kind": Kind.ANNEX,
            "title": proposal.title,
            "annex": annex.pk,
            "sha256": annex_version.sha256,
        },
    )
    return proposal


def _publish_annex(proposal, *, actor):
    """Adopt the annex text the members agreed to; a new annex gets the next number."""
    now = timezone.now()
    annex_version = AnnexVersion.objects.select_for_update().get(pk=proposal.annex_version_id)
    annex = Annex.objects.select_for_update().get(pk=annex_version.annex_id)
    AnnexVersion.objects.filter(annex=annex, status="adopted").update(
        status="superseded", superseded_at=now
    )
    annex_version.status, annex_version.adopted_at = "adopted", now
    annex_version.save(update_fields=["status", "adopted_at"])
    if annex.number is None:
        last = Annex.objects.filter(convention=annex.convention).published()
        annex.number = (last.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        annex.published_at = now
        annex.save(update_fields=["number", "published_at"])
    proposal.published_at = now
    proposal.save(update_fields=["published_at"])
    record(
        "amendments.annex_published",
        actor=actor,
        subject=annex,
        new={
            "number": annex.number,
            "version": annex_version.number,
            "sha256": annex_version.sha256,
        },
        visibility=Visibility.PUBLIC,
    )
    notify(
        queries.member_signers(now),
        kind="amendment",
        template="amendments/mail/annex_published",
        context={"annex": annex.title, "number": annex.number},
        url=reverse("amendments:annex", args=[annex.pk]),
    )
    return proposal


def blockers_to_sign_annex(annex, unit, sha256, now) -> list[str]:
    blockers = []
    current = annex.version_in_force
    if current is None:
        blockers.append(_("This annex is not in force."))
    elif sha256 != current.sha256:
        blockers.append(
            _("The text you read is not the annex in force (its SHA-256 differs); read it again.")
        )
    if unit is None or not unit.is_member(now):
        blockers.append(_("Only member units of the convention sign its annexes."))
    elif current and annex.signatures.standing().filter(unit=unit, version=current).exists():
        blockers.append(_("Your unit has already signed this annex."))
    return blockers


@transaction.atomic
def do_sign_annex(annex, *, actor, sha256: str) -> AnnexSignature:
    """A member unit signs the annex in force, bound to its text's hash; a standing signature
    of an earlier text of the annex is replaced."""
    annex = Annex.objects.select_for_update().get(pk=annex.pk)
    now = timezone.now()
    unit = actor.unit
    refuse_if(blockers_to_sign_annex(annex, unit, sha256, now), code="cannot_sign")
    grant = acting_grant(actor, unit, now)
    if grant is None:
        raise _not_a_signer()
    current = annex.version_in_force
    annex.signatures.standing().filter(unit=unit).update(
        withdrawn_at=now,
        withdrawal_reason=f"superseded by the signature of version {current.number}",
    )
    signature = AnnexSignature.objects.create(
        annex=annex,
        version=current,
        unit=unit,
        signer=actor,
        capacity=_capacity(grant),
        signed_at=now,
        sha256=current.sha256,
    )
    record(
        "amendments.annex_signed",
        actor=actor,
        subject=annex,
        new={"unit": unit.pk, "version": current.number, "sha256": current.sha256},
        visibility=Visibility.PUBLIC,
    )
    return signature


@transaction.atomic
def do_withdraw_from_annex(annex, *, actor, reason: str = "") -> AnnexSignature:
    """A unit leaves an annex by notice, effective at once; it stays a member of the convention."""
    annex = Annex.objects.select_for_update().get(pk=annex.pk)
    now = timezone.now()
    unit = actor.unit
    if unit is None or acting_grant(actor, unit, now) is None:
        raise _not_a_signer()
    signature = annex.signatures.standing().filter(unit=unit).first()
    if signature is None:
        raise ActionRefused(_("Your unit has not signed this annex."), code="not_signed")
    signature.withdrawn_at, signature.withdrawal_reason = now, reason.strip()[:500]
    signature.save(update_fields=["withdrawn_at", "withdrawal_reason"])
    record(
        "amendments.annex_withdrawn",
        actor=actor,
        subject=annex,
        old={"unit": unit.pk, "version": signature.version_id},
        visibility=Visibility.PUBLIC,
    )
    return signature


# Interpretations (Art. 29) ------------------------------------------------------------------------


@transaction.atomic
def do_publish_interpretation(
    convention, *, actor, title: str, text: str, article_numbers, issued_on=None, supersedes=None
) -> Interpretation:
    """Publish an interpretation of articles of the version in force (named by their numbers
    there, stored by stable identity). A superseded interpretation stays on record."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    version = convention.versions.in_force().first()
    if version is None:
        raise ActionRefused(
            _("There is no version in force to interpret."), code="nothing_in_force"
        )
    numbers = sorted(set(article_numbers))
    if not numbers:
        raise ActionRefused(
            _("Name the articles the interpretation concerns."),
            code="invalid",
            field="articles",
            status=400,
        )
    found = dict(version.articles.filter(number__in=numbers).values_list("number", "identity_id"))
    missing = [n for n in numbers if n not in found]
    if missing:
        raise ActionRefused(
            _("The version in force has no article %(numbers)s.")
            % {"numbers": ", ".join(str(n) for n in missing)},
            code="invalid",
            field="articles",
            status=400,
        )
    if supersedes is not None:
        supersedes = Interpretation.objects.select_for_update().get(pk=supersedes.pk)
        if Interpretation.objects.filter(supersedes=supersedes).exists():
            raise ActionRefused(
                _("Interpretation %(n)s has already been superseded.") % {"n": supersedes.number},
                code="already_superseded",
                field="supersedes",
            )
    number = (
        convention.interpretations.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    interpretation = Interpretation.objects.create(
        convention=convention,
        number=number,
        issued_on=issued_on or timezone.localdate(),
        title=title.strip()[:200],
        text=text.strip(),
        supersedes=supersedes,
        issued_by=actor,
    )
    interpretation.articles.set(found.values())
    record(
        "amendments.interpretation_published",
        actor=actor,
        subject=interpretation,
        new={
            "number": number,
            "articles": numbers,
            "version": version.number,
            "supersedes": supersedes.number if supersedes else None,
        },
        visibility=Visibility.PUBLIC,
    )
    notify(
        queries.member_signers(timezone.now()),
        kind="amendment",
        template="amendments/mail/interpretation",
        context={"number": number, "title": interpretation.title},
        url=reverse("amendments:interpretation", args=[interpretation.pk]),
    )
    return interpretation
