"""A ballot of 2,000 units renders its page and its record in a constant number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gongyue.amendments import actions
from gongyue.amendments.models import Ballot, Choice, Elector, Vote
from gongyue.amendments.record import receipt, verify
from gongyue.convention.models import Convention
from gongyue.organisations.models import JoinedBy, Membership, Unit

from .conftest import uscc


def big_ballot(secretariat, amended_text, n):
    now = timezone.now()
    units = Unit.objects.bulk_create(
        Unit(name=f"规模单位{i:05d}有限公司", uscc=uscc(100_000 + i)) for i in range(n)
    )
    Membership.objects.bulk_create(
        Membership(unit=u, started_at=now - timedelta(days=10), joined_by=JoinedBy.IMPORT)
        for u in units
    )
    proposal = actions.do_create_proposal(
        Convention.objects.current(),
        actor=secretariat,
        unit=None,
        title="规模测试",
        reasons="r",
        text=amended_text,
        source_name="a.txt",
    )
    actions.do_submit_proposal(proposal, actor=secretariat)
    ballot = actions.do_open_ballot(proposal, actor=secretariat)
    cast_at = timezone.now()
    choices = [Choice.AGREE, Choice.DISAGREE, Choice.ABSTAIN]
    Vote.objects.bulk_create(
        Vote(
            ballot=ballot,
            unit=unit,
            choice=choices[i % 3],
            person=secretariat,
            capacity="legal_rep",
            cast_at=cast_at,
            receipt=receipt(ballot.pk, unit.pk, choices[i % 3], cast_at.isoformat()),
        )
        for i, unit in enumerate(units[: n - n // 20])
    )
    return ballot


@pytest.mark.parametrize("n", [20, 2000])
def test_the_ballot_page_and_record_take_the_same_queries_for_20_and_2000_units(
    client_for, secretariat, version, amended_text, n, django_assert_max_num_queries
):
    ballot = big_ballot(secretariat, amended_text, n)
    assert Elector.objects.filter(ballot=ballot).count() == n
    client = client_for(None)
    with django_assert_max_num_queries(8):
        assert client.get(f"/amendments/ballots/{ballot.pk}/").status_code == 200
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    assert actions.do_close_ballot(ballot) is True
    with django_assert_max_num_queries(8):
        page = client.get(f"/amendments/ballots/{ballot.pk}/")
    assert page.content.decode().count("<tr><td>规模单位") == n - n // 20
    with django_assert_max_num_queries(5):
        record = client.get(f"/amendments/ballots/{ballot.pk}/record.json")
    import json

    data = json.loads(record.content)
    assert len(data["electorate"]) == n and len(data["votes"]) == n - n // 20
    assert verify(data) == ([], "rejected")
