"""Reads that span the amendment models, each in a fixed number of queries."""

from django.db.models import Count, Q

from gongyue.accounts.models import SIGNING_ROLES, RoleGrant, User
from gongyue.organisations.models import Unit

from . import record as ballot_record
from .models import Choice, Elector, Vote


def counting_sponsors(proposal, moment):
    """Standing sponsorships of units that are still members: a unit that left does not count."""
    return proposal.sponsorships.standing().filter(
        unit__in=Unit.objects.members(moment).values("pk")
    )


def _signers_of(units):
    return User.objects.filter(
        is_active=True,
        pk__in=RoleGrant.objects.active()
        .filter(unit__in=units, role__in=SIGNING_ROLES)
        .values("user"),
    )


def member_signers(moment, *, exclude_unit=None):
    """The people who act for member units: whom a call for sponsors goes to."""
    units = Unit.objects.members(moment)
    if exclude_unit is not None:
        units = units.exclude(pk=exclude_unit)
    return _signers_of(units.values("pk"))


def electorate_signers(ballot):
    return _signers_of(Elector.objects.filter(ballot=ballot).values("unit"))


def ballot_counts(ballot) -> dict:
    """Counts of each choice and of electors who have not voted, in one query."""
    counts = Vote.objects.filter(ballot=ballot).aggregate(
        agree=Count("pk", filter=Q(choice=Choice.AGREE)),
        disagree=Count("pk", filter=Q(choice=Choice.DISAGREE)),
        abstain=Count("pk", filter=Q(choice=Choice.ABSTAIN)),
    )
    voted = counts["agree"] + counts["disagree"] + counts["abstain"]
    counts["not_voted"] = ballot.electorate_size - voted
    return counts


def ballot_record_data(ballot) -> dict:
    """The public record of a closed ballot (docs/ballot-record.md), in two queries."""
    electorate = [
        row.as_record() for row in Elector.objects.filter(ballot=ballot).order_by("unit_id")
    ]
    votes = [vote.as_record() for vote in Vote.objects.filter(ballot=ballot).order_by("unit_id")]
    return {
        "ballot": ballot.record_header(),
        "threshold": ballot.threshold.as_dict(),
        "electorate": electorate,
        "electorate_sha256": ballot_record.electorate_sha256(electorate),
        "votes": votes,
        "counts": ballot.counts,
        "result": ballot.result,
    }


def electorate_list_bytes(ballot) -> bytes:
    """The published electorate list: `sha256sum` of this file is the ballot's electorate hash."""
    electorate = [
        row.as_record() for row in Elector.objects.filter(ballot=ballot).order_by("unit_id")
    ]
    return ballot_record.canonical_json(electorate)


def version_as_at(convention, moment):
    """The version in force at `moment`: the text as it stood then, reproducible for any date."""
    from gongyue.convention.models import PUBLIC_STATUSES

    return (
        convention.versions.filter(status__in=PUBLIC_STATUSES, adopted_at__lte=moment)
        .filter(Q(superseded_at__isnull=True) | Q(superseded_at__gt=moment))
        .order_by("-adopted_at")
        .first()
    )


def article_history(identity) -> list[dict]:
    """Each public version in which an article (by its stable identity) appears, oldest first,
    with its text, whether it changed, and the amendment that made that version (two queries)."""
    from gongyue.convention.models import PUBLIC_STATUSES, Article

    appearances = (
        Article.objects.filter(identity=identity, version__status__in=PUBLIC_STATUSES)
        .select_related("version", "version__proposal")
        .order_by("version__number")
    )
    history, previous = [], None
    for article in appearances:
        proposal = getattr(article.version, "proposal", None)
        history.append(
            {
                "version": article.version,
                "number": article.number,
                "text": article.text,
                "changed": previous is not None and previous != article.text,
                "proposal": proposal,
            }
        )
        previous = article.text
    return history
