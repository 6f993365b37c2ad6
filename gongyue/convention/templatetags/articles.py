"""`{% cite "rule_key" %}`: the article of the convention shown that states a rule, as
"（第二十七条）" or " (Art. 27)". Templates never write an article number themselves: a
convention's own text may number its articles otherwise (`do_change_rules` places each rule)."""

from django import template
from django.utils.translation import get_language

from ..models import Convention
from ..parser import article_label
from ..rules import RULES_BY_KEY

register = template.Library()


def article_of(convention, key: str) -> int | None:
    if convention is None:
        return None
    return convention.rule_article(RULES_BY_KEY[key])


def citation(number: int | None) -> str:
    if not number:
        return ""
    if (get_language() or "").startswith("zh"):
        return f"（{article_label(number)}）"
    return f" (Art. {number})"


@register.simple_tag(takes_context=True)
def cite(context, key: str) -> str:
    """The citation of the article that states rule `key`, or nothing when the text has none."""
    convention = context.get("convention")
    if not isinstance(convention, Convention):
        # Looked up once per rendering, not once per citation.
        cache = context.render_context
        if "current_convention" not in cache:
            cache["current_convention"] = Convention.objects.current()
        convention = cache["current_convention"]
    return citation(article_of(convention, key))
