"""The numbers the convention leaves open, as settings of each convention record (RULES.md 17).

Each rule names the article it implements, so the public page can show it next to that text.
A convention stores only the values it changes (`Convention.rules`); the rest come from here.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Rule:
    key: str
    default: object
    article: int | None  # in the seed convention's numbering; a convention may place it elsewhere
    label: str


RULES = [
    Rule(
        "publication_days",
        30,
        25,
        _("Days after taking effect within which the convention is published"),
    ),
    Rule(
        "register_period",
        "quarter",
        27,
        _("Period of the published lists of units that joined and left"),
    ),
    Rule(
        "proposal_numerator",
        1,
        26,
        _("Share of member units needed to propose an amendment (numerator)"),
    ),
    Rule(
        "proposal_denominator",
        10,
        26,
        _("Share of member units needed to propose an amendment (denominator)"),
    ),
    Rule(
        "adoption_numerator",
        2,
        26,
        _("Share of member units whose agreement adopts an amendment (numerator)"),
    ),
    Rule(
        "adoption_denominator",
        3,
        26,
        _("Share of member units whose agreement adopts an amendment (denominator)"),
    ),
    Rule(
        "sponsorship_days",
        30,
        26,
        _("Days a member's amendment proposal has to gather its sponsors"),
    ),
    Rule("ballot_days", 30, 26, _("Days a ballot on an amendment or annex stays open")),
    Rule(
        "annex_numerator",
        1,
        28,
        _("Share of member units whose agreement adopts an annex: more than (numerator)"),
    ),
    Rule(
        "annex_denominator",
        2,
        28,
        _("Share of member units whose agreement adopts an annex: more than (denominator)"),
    ),
    Rule("review_requests", 1, 22, _("Reviews a sanctioned unit may ask for")),
    Rule(
        "case_triage_days",
        7,
        21,
        _("Days after a report within which the secretariat triages it"),
    ),
    Rule(
        "case_reply_days",
        15,
        21,
        _("Days after the notice within which the reported unit may reply"),
    ),
    Rule(
        "case_review_days",
        15,
        22,
        _("Days after a sanction within which the sanctioned unit may ask for a review"),
    ),
    Rule(
        "joining_declaration",
        True,
        27,
        _("An application declares that the unit accepts the convention's rules"),
    ),
    # Disputes, complaints to the authority and public criticism (Art. 20, 23, 17).
    Rule(
        "mediation_assignment_days",
        7,
        20,
        _("Days within which the secretariat names a mediator once a party asks for mediation"),
    ),
    Rule("mediation_days", 30, 20, _("Days within which a mediation should end")),
    Rule(
        "complaint_answer_days",
        30,
        23,
        _("Days within which the authority answers a complaint about the executing body"),
    ),
    Rule(
        "criticism_answer_days",
        15,
        17,
        _("Days within which the secretariat answers criticism from the public"),
    ),
]
RULES_BY_KEY = {rule.key: rule for rule in RULES}
REGISTER_PERIODS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}


def rule_value(overrides: dict, key: str):
    return overrides.get(key, RULES_BY_KEY[key].default)


def at_least(fraction_numerator: int, fraction_denominator: int, n: int) -> int:
    """以上 includes the number itself: the smallest count >= n * a / b, in integers only."""
    return -(-fraction_numerator * n // fraction_denominator)
