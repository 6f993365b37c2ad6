"""The home page: what a visitor comes for first, read from the apps that own it."""

from django.shortcuts import render

from gongyue.convention.models import Convention
from gongyue.organisations.models import RegisterList, Unit
from gongyue.organisations.periods import period_from_key

LATEST_LISTS = 4


def home(request):
    """The convention in force and its dates, how many units are members, the latest published
    lists and how to join; a fixed number of queries however many members and lists there are."""
    convention = Convention.objects.current()
    lists = list(
        RegisterList.objects.current()
        .only("period", "starts_on", "ends_on", "published_at")
        .order_by("-starts_on", "-published_at")[:LATEST_LISTS]
    )
    for record in lists:
        record.period_label = period_from_key(record.period).label
    return render(
        request,
        "portal/home.html",
        {
            "convention": convention,
            "version": convention.version_in_force if convention else None,
            "member_count": Unit.objects.members().count(),
            "lists": lists,
        },
    )
