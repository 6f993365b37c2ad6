"""Interpretations shown beside the articles they interpret (convention.article_notes)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Interpretation


def interpretation_notes(version) -> dict[int, list[dict]]:
    """Interpretations of the articles of `version` that were issued while it was in force or
    before (those of a later version do not reach back), in one query plus the prefetch."""
    identities = [a["identity"] for a in version.structure["articles"] if a.get("identity")]
    found = (
        Interpretation.objects.filter(articles__in=identities, convention=version.convention)
        .distinct()
        .prefetch_related("articles")
        .select_related("superseded_by")
        .order_by("number")
    )
    if version.superseded_at is not None:
        found = found.filter(created_at__lt=version.superseded_at)
    notes: dict[int, list[dict]] = {}
    for interpretation in found:
        note = {
            "kind": "interpretation",
            "label": _("Interpretation %(n)s") % {"n": interpretation.number},
            "number": interpretation.number,
            "title": interpretation.title,
            "text": interpretation.text,
            "date": interpretation.issued_on.isoformat(),
            "superseded_by": getattr(interpretation, "superseded_by", None)
            and interpretation.superseded_by.number,
            "url": reverse("amendments:interpretation", args=[interpretation.pk]),
        }
        for identity in interpretation.articles.all():
            if identity.pk in identities:
                notes.setdefault(identity.pk, []).append(note)
    return notes
