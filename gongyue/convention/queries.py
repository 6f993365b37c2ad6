"""Reads shared by the pages and the API, each in a fixed number of queries."""

from django.db.models import Count

from .access import versions_for_user
from .models import VersionStatus


def version_list(user, convention) -> list:
    """The versions the user may read, newest first, without their (large) text."""
    versions = list(
        versions_for_user(user, convention)
        .defer("structure", "canonical_text")
        .annotate(articles_total=Count("articles"))
    )
    for version in versions:
        version.convention = convention
    return versions


def in_force_among(versions):
    return next((v for v in versions if v.status == VersionStatus.ADOPTED), None)


def default_pair(versions):
    """The two versions a comparison starts from: the one before the newest, and the newest."""
    numbers = sorted(v.number for v in versions)
    if len(numbers) < 2:
        return None, None
    return numbers[-2], numbers[-1]


def pair_for_diff(convention, numbers):
    """The two versions to compare, with their text, in one query, in the order given."""
    found = {v.number: v for v in convention.versions.filter(number__in=numbers)}
    for version in found.values():
        version.convention = convention
    return [found[number] for number in numbers]
