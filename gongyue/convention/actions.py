"""State changes of the convention's versions: import a text as a draft, adopt it, discard it.

Each action runs in one transaction, checks that the change is allowed (raising ActionRefused
with readable blockers), and writes one audit row. Who may call them is decided by access.py.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.core.errors import ActionRefused, refuse_if

from .canonical import CANONICAL_FORMAT, canonical_text, render_article, text_sha256
from .diff import match_identities
from .models import Article, ArticleIdentity, Convention, Version, VersionStatus
from .parser import ParseError, parse
from .rules import RULES_BY_KEY


class InvalidText(ActionRefused):
    """The uploaded text cannot be parsed; `problems` keeps the parser's problems with their lines."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__(*problem_messages(problems), code="invalid_text", field="file", status=400)


def problem_message(problem) -> str:
    """One parser problem in the active language, with its line: "line 3: …"."""
    message = problem.render(_)
    if problem.line is None:
        return message
    return _("line %(line)s: %(message)s") % {"line": problem.line, "message": message}


def problem_messages(problems) -> list[str]:
    return [problem_message(problem) for problem in problems]


def parse_upload(data: bytes):
    """Parse an upload after checking its size; raise InvalidText or ActionRefused."""
    limit = settings.MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise ActionRefused(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(len(data)), "limit": filesizeformat(limit)},
            code="too_large",
            field="file",
            status=400,
        )
    try:
        return parse(data)
    except ParseError as exc:
        raise InvalidText(exc.problems) from None


def previous_version(convention) -> Version | None:
    """The version a new import amends: the latest one that was not discarded."""
    if convention is None:
        return None
    return convention.versions.kept().order_by("-number").first()


def planned_structure(parsed, previous: Version | None) -> dict:
    """The parsed structure with each article's identity taken from `previous` where it continues one."""
    structure = parsed.to_dict()
    old_articles = previous.structure["articles"] if previous else []
    for article, identity in zip(
        structure["articles"], match_identities(old_articles, structure["articles"])
    ):
        article["identity"] = identity
    return structure


def _convention_for_import(convention, title: str) -> Convention:
    if convention is not None:
        # Locked so that two imports at once cannot take the same version number.
        return Convention.objects.select_for_update().get(pk=convention.pk)
    slug = getattr(settings, "CONVENTION_SLUG", "") or "convention"
    convention, created = Convention.objects.get_or_create(slug=slug, defaults={"title": title})
    if not created:
        convention = Convention.objects.select_for_update().get(pk=convention.pk)
    return convention


@transaction.atomic
def do_import_version(
    convention, data: bytes, *, actor, source_name: str, note: str = ""
) -> Version:
    """Save an uploaded text as a new draft version; the first import creates the convention.

    An article keeps the identity of the previous version's article with the same text; failing
    that, of the one with the same number; otherwise it gets a new identity.
    """
    parsed = parse_upload(data)
    text = canonical_text(parsed)
    title = parsed.title or (convention.title if convention else _("Self-discipline convention"))
    convention = _convention_for_import(convention, title)
    previous = previous_version(convention)
    structure = planned_structure(parsed, previous)
    for article in structure["articles"]:
        if article["identity"] is None:
            article["identity"] = ArticleIdentity.objects.create(convention=convention).pk
    number = (convention.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    version = Version.objects.create(
        convention=convention,
        number=number,
        status=VersionStatus.DRAFT,
        title=title[:200],
        note=note.strip()[:300],
        structure=structure,
        canonical_text=text,
        sha256=text_sha256(text),
        canonical_format=CANONICAL_FORMAT,
        source_name=source_name[:200],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    Article.objects.bulk_create(
        Article(
            version=version,
            identity_id=article_dict["identity"],
            number=parsed_article.number,
            chapter=parsed_article.chapter,
            section=parsed_article.section,
            text=render_article(parsed_article),
        )
        for article_dict, parsed_article in zip(structure["articles"], parsed.articles)
    )
    record(
        "convention.version_imported",
        actor=actor,
        subject=version,
        new={
            "number": version.number,
            "status": version.status,
            "sha256": version.sha256,
            "canonical_format": version.canonical_format,
            "articles": len(parsed.articles),
            "source_name": version.source_name,
            "previous": previous.number if previous else None,
        },
        visibility=Visibility.SECRETARIAT,
    )
    return version


@transaction.atomic
def do_adopt_version(version, *, actor) -> Version:
    """Adopt a draft: it becomes the version in force and the one adopted before is superseded."""
    # The convention row is the lock every change to its versions takes first.
    convention = Convention.objects.select_for_update().get(pk=version.convention_id)
    version = Version.objects.select_for_update().get(pk=version.pk)
    in_force = (
        Version.objects.select_for_update()
        .filter(convention=convention, status=VersionStatus.ADOPTED)
        .first()
    )
    refuse_if(version.blockers_to_adopt(in_force), code="cannot_adopt")
    now = timezone.now()
    if in_force is not None:
        in_force.status, in_force.superseded_at = VersionStatus.SUPERSEDED, now
        in_force.save(update_fields=["status", "superseded_at"])
    version.status, version.adopted_at = VersionStatus.ADOPTED, now
    version.save(update_fields=["status", "adopted_at"])
    if convention.title != version.title:
        convention.title = version.title
        convention.save(update_fields=["title"])
    version.convention = convention
    record(
        "convention.version_adopted",
        actor=actor,
        subject=version,
        old={"status": VersionStatus.DRAFT, "in_force": in_force.number if in_force else None},
        new={"status": version.status, "number": version.number, "sha256": version.sha256},
        visibility=Visibility.PUBLIC,
    )
    return version


@transaction.atomic
def do_discard_draft(version, *, actor) -> Version:
    """Drop a draft. It stays on record (with its number) but nobody outside the secretariat sees it."""
    Convention.objects.select_for_update().get(pk=version.convention_id)
    version = Version.objects.select_for_update().get(pk=version.pk)
    refuse_if(version.blockers_to_discard(), code="cannot_discard")
    version.status, version.discarded_at = VersionStatus.DISCARDED, timezone.now()
    version.save(update_fields=["status", "discarded_at"])
    record(
        "convention.draft_discarded",
        actor=actor,
        subject=version,
        old={"status": VersionStatus.DRAFT},
        new={"status": version.status, "number": version.number},
        visibility=Visibility.SECRETARIAT,
    )
    return version


@transaction.atomic
def do_change_rules(
    convention, *, actor, values: dict | None = None, articles: dict | None = None
) -> Convention:
    """Change the convention's rule settings and where its text states each rule.

    `values` maps rule keys to new values; `articles` maps rule keys to the article number of
    this convention's text that implements them (None: the text has no such article).
    """
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    values, articles = values or {}, articles or {}
    unknown = sorted((set(values) | set(articles)) - set(RULES_BY_KEY))
    refuse_if(
        [_("There is no rule called %(key)s.") % {"key": key} for key in unknown], code="invalid"
    )
    old = dict(convention.rules)
    rules = {**old, **values}
    if articles:
        rules["articles"] = {**old.get("articles", {}), **articles}
    convention.rules = rules
    convention.save(update_fields=["rules"])
    record(
        "convention.rules_changed",
        actor=actor,
        subject=convention,
        old=old,
        new=rules,
        visibility=Visibility.PUBLIC,
    )
    return convention
