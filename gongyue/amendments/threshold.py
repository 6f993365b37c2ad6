"""Fractions of the membership, decided in integers only (RULES.md §Thresholds).

以上 includes the number itself (民法典 Art. 1259): "三分之二以上" is met by `agree * 3 >= 2 * N`.
"More than one half" is strict: `2 * agree > N`. No float ever enters the comparison.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Threshold:
    """`numerator/denominator` of N units, counted inclusively (以上) or strictly (超过)."""

    numerator: int
    denominator: int
    inclusive: bool = True

    def __post_init__(self):
        for name in ("numerator", "denominator"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, not {value!r}")
        if self.denominator == 0 or self.numerator > self.denominator:
            raise ValueError(f"{self.numerator}/{self.denominator} is not a fraction of at most 1")

    def met(self, count: int, n: int) -> bool:
        """Whether `count` of `n` units reach the threshold."""
        if self.inclusive:
            return count * self.denominator >= self.numerator * n
        return count * self.denominator > self.numerator * n

    def needed(self, n: int) -> int:
        """The smallest count that meets the threshold among `n` units (at least one)."""
        if self.inclusive:
            smallest = -(-self.numerator * n // self.denominator)
        else:
            smallest = self.numerator * n // self.denominator + 1
        return max(smallest, 1)

    def decided(self, agree: int, outstanding: int, n: int) -> bool | None:
        """True once met, False once `agree` plus the `outstanding` units that have not voted
        could no longer meet it, None while still open (the early close of RULES.md rule 6:
        closing ends the right to change a vote, so the votes cast so far decide)."""
        if self.met(agree, n):
            return True
        if not self.met(agree + outstanding, n):
            return False
        return None

    def as_dict(self) -> dict:
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "inclusive": self.inclusive,
        }

    def describe(self) -> str:
        if self.inclusive:
            return _("at least %(numerator)s/%(denominator)s of the member units") % {
                "numerator": self.numerator,
                "denominator": self.denominator,
            }
        return _("more than %(numerator)s/%(denominator)s of the member units") % {
            "numerator": self.numerator,
            "denominator": self.denominator,
        }


def for_convention(convention, kind: str) -> Threshold:
    """The convention's own setting for `kind`: proposal or adoption (Art. 26, 以上), annex
    (Art. 28, more than)."""
    return Threshold(
        numerator=convention.rule(f"{kind}_numerator"),
        denominator=convention.rule(f"{kind}_denominator"),
        inclusive=kind != "annex",
    )
