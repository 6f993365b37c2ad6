"""Background duties of amendments: ballots closing at their deadline, proposals lapsing when
their sponsorship window ends short. Each claims its row, so two workers at once act once."""

from gongyue.core.duties import duty

from .models import Ballot, Proposal


@duty("amendments.close_ballots")
def close_due_ballots(now) -> int:
    from .actions import do_close_ballot

    return sum(do_close_ballot(ballot, now=now) for ballot in Ballot.objects.due(now))


@duty("amendments.lapse_proposals")
def lapse_due_proposals(now) -> int:
    from .actions import do_lapse_proposal

    return sum(do_lapse_proposal(p, now=now) for p in Proposal.objects.sponsoring_past(now))
