"""`{% latest_bulletins %}`: the newest public bulletins, for the home page or any portal page."""

from django import template

from ..models import Bulletin

register = template.Library()


@register.inclusion_tag("bulletins/_latest.html")
def latest_bulletins(count: int = 5):
    return {"bulletins": list(Bulletin.objects.public().order_by("-published_at", "-pk")[:count])}


@register.inclusion_tag("bulletins/_overdue_summary.html")
def overdue_summary():
    """For the secretariat's dashboard: how many acknowledgements and campaign answers are past
    their deadline, linked to the list (two COUNT queries)."""
    from django.utils import timezone

    from .. import queries

    return {"counts": queries.overdue_counts(timezone.now())}
