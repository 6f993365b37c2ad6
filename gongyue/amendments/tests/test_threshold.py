"""Threshold arithmetic in integers, with the worked figures of RULES.md."""

import pytest

from gongyue.amendments.threshold import Threshold, for_convention
from gongyue.convention.models import Convention

PROPOSAL = Threshold(1, 10)
ADOPTION = Threshold(2, 3)
ANNEX = Threshold(1, 2, inclusive=False)


@pytest.mark.parametrize(
    ("n", "sponsors", "agrees"), [(30, 3, 20), (31, 4, 21), (9, 1, 6), (1, 1, 1)]
)
def test_the_worked_figures_of_the_rules(n, sponsors, agrees):
    assert PROPOSAL.needed(n) == sponsors
    assert ADOPTION.needed(n) == agrees
    assert ADOPTION.met(agrees, n) and not ADOPTION.met(agrees - 1, n)
    assert PROPOSAL.met(sponsors, n) and not PROPOSAL.met(sponsors - 1, n)


def test_more_than_one_half_of_eleven_is_six_not_seven():
    assert ANNEX.needed(11) == 6
    assert ANNEX.met(6, 11) and not ANNEX.met(5, 11)


def test_more_than_one_half_of_an_even_number_needs_one_past_the_half():
    assert ANNEX.needed(10) == 6
    assert not ANNEX.met(5, 10)


def test_needed_is_the_smallest_count_that_meets_the_threshold_for_every_size():
    for threshold in (PROPOSAL, ADOPTION, ANNEX, Threshold(3, 4), Threshold(1, 1)):
        for n in range(1, 400):
            needed = threshold.needed(n)
            assert threshold.met(needed, n), (threshold, n)
            assert needed == 1 or not threshold.met(needed - 1, n), (threshold, n)


def test_a_result_is_decided_once_met_or_once_the_outstanding_units_cannot_reach_it():
    assert ADOPTION.decided(agree=20, outstanding=10, n=30) is True
    assert ADOPTION.decided(agree=19, outstanding=1, n=30) is None
    assert ADOPTION.decided(agree=18, outstanding=1, n=30) is False
    assert ADOPTION.decided(agree=0, outstanding=0, n=1) is False


@pytest.mark.parametrize(
    "bad",
    [(0, 0), (3, 2), (-1, 3), (1.5, 3), (True, 3)],
    ids=["zero", "over", "neg", "float", "bool"],
)
def test_a_threshold_that_is_not_a_fraction_of_integers_is_refused(bad):
    with pytest.raises(ValueError):
        Threshold(*bad)


def test_a_conventions_thresholds_come_from_its_rule_settings(db):
    convention = Convention.objects.create(
        slug="t", title="公约", rules={"adoption_numerator": 3, "adoption_denominator": 4}
    )
    assert for_convention(convention, "adoption") == Threshold(3, 4, True)
    assert for_convention(convention, "proposal") == Threshold(1, 10, True)
    assert for_convention(convention, "annex") == Threshold(1, 2, False)
