"""Reads shared by the pages and the API, each a fixed number of queries."""

from operator import attrgetter

from django.http import HttpResponse

from . import lexicon
from .models import AllowPhrase, LexiconTerm, LexiconVersion, TermChange


def terms():
    return LexiconTerm.objects.order_by("key", "pk")


def phrases(state: str = "live"):
    rows = AllowPhrase.objects.order_by("key", "pk")
    return rows if state == "all" else rows.filter(is_active=state == "live")


def history(row):
    """The changes of a term or phrase, newest first, with version and actor (one query)."""
    lookup = {"term": row} if isinstance(row, LexiconTerm) else {"phrase": row}
    return (
        TermChange.objects.filter(**lookup)
        .select_related("version", "actor")
        .defer("version__compiled")
        .order_by("-version__number", "-pk")
    )


def versions():
    return LexiconVersion.objects.listing().select_related("created_by").order_by("-number")


def latest_version():
    return LexiconVersion.objects.listing().order_by("-number").first()


def live_lexicon() -> tuple[list[LexiconTerm], list[str]]:
    """The live terms and phrases in order of normalised form, by code point as Python sorts
    (PostgreSQL's collation would sort otherwise, and the export's hash must not depend on it)."""
    terms = sorted(LexiconTerm.objects.live(), key=attrgetter("key"))
    phrases = [
        phrase for _key, phrase in sorted(AllowPhrase.objects.live().values_list("key", "phrase"))
    ]
    return terms, phrases


def export_bytes() -> tuple[bytes, LexiconVersion | None]:
    """The live lexicon as CSV and the version it is (three queries)."""
    version = latest_version()
    return lexicon.export_csv(*live_lexicon()), version


def export_response() -> HttpResponse:
    data, version = export_bytes()
    number = version.number if version else 0
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="lexicon-v{number}.csv"'
    response["X-Lexicon-Version"] = str(number)
    response["X-Content-SHA256"] = lexicon.sha256(data)
    # The lexicon is confidential: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response
