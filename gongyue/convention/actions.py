"""State changes of the convention: import a text as a draft, adopt it, discard it; name its
founders, take effect when the last of them signs, and publish it (Art. 25, 30).

Each action runs in one transaction, checks that the change is allowed (raising ActionRefused
with readable blockers), and writes one audit row. Who may call them is decided by access.py.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongyue.accounts.models import SIGNING_ROLES, RoleGrant, User
from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.core.deadlines import china_date, start_of_day
from gongyue.core.duties import schedule_reminder
from gongyue.core.errors import ActionRefused, refuse_if
from gongyue.core.models import Reminder
from gongyue.core.notify import notify, settle_notifications
from gongyue.core.refusals import FileRefused
from gongyue.organisations.models import Signature, Unit
from gongyue.organisations.queries import secretariat_people

from .canonical import CANONICAL_FORMAT, canonical_text, render_article, text_sha256
from .diff import match_identities
from .models import Article, ArticleIdentity, Convention, Founder, Version, VersionStatus
from .parser import article_label, parse
from .rules import RULES_BY_KEY

# The founders' and publication mails are written with the membership mails.
MAIL = "organisations/mail/"
MAIL_CONVENTION = "convention/mail/"
# Days before the publication deadline on which the secretariat is reminded (Art. 25).
PUBLICATION_REMINDER_DAYS = (7, 1)


def parse_upload(data: bytes):
    """Parse an upload after checking its size; raise FileRefused (in the active language) or
    ActionRefused."""
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
    except FileRefused as refused:
        raise refused.translated(_) from None


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


def amendment_rule_text(convention) -> str:
    """Where the convention says how its text changes, for a refusal: "第二十六条 (2/3 …)"."""
    article = convention.rule_article(RULES_BY_KEY["adoption_numerator"])
    share = f"{convention.rule('adoption_numerator')}/{convention.rule('adoption_denominator')}"
    if article is None:
        return _("the convention's amendment procedure (%(share)s of member units agreeing)") % {
            "share": share
        }
    return _("%(article)s (%(share)s of member units agreeing)") % {
        "article": article_label(article),
        "share": share,
    }


def blockers_to_adopt_by_procedure(convention, version, *, actor, origin=None) -> list[str]:
    """Who may make a text the one in force, and how (Art. 25, 26).

    Before the convention takes effect its founding text is adopted by the secretariat head
    (or the platform itself: the demo, the first setup). Once it took effect no person adopts a
    text: only an adopted amendment does, passed as `origin`, an object whose
    `blockers_to_adopt(version)` returns why it does not carry this version (empty: it does).
    The amendments app provides that object; until then adoption after effect is refused.
    """
    if convention.effective_at is not None:
        if origin is None:
            return [
                _(
                    "The convention is in force: its text changes only by an amendment adopted "
                    "under %(rule)s. Import the new text as a draft and propose it as an "
                    "amendment."
                )
                % {"rule": amendment_rule_text(convention)}
            ]
        return list(origin.blockers_to_adopt(version))
    if origin is None and not (actor == "system" or getattr(actor, "is_secretariat_head", False)):
        return [_("Only the secretariat head adopts the founding text of the convention.")]
    return []


@transaction.atomic
def do_adopt_version(version, *, actor, origin=None) -> Version:
    """Adopt a draft: it becomes the version in force and the one adopted before is superseded.

    Only by procedure (blockers_to_adopt_by_procedure): the founding text by the secretariat
    head before the convention takes effect, members and founders being told; afterwards only
    as the outcome of an adopted amendment (`origin`).
    """
    # The convention row is the lock every change to its versions takes first.
    convention = Convention.objects.select_for_update().get(pk=version.convention_id)
    version = Version.objects.select_for_update().get(pk=version.pk)
    procedure = blockers_to_adopt_by_procedure(convention, version, actor=actor, origin=origin)
    if procedure:
        raise ActionRefused(*procedure, code="adoption_by_procedure_only", status=403)
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
        new={
            "status": version.status,
            "number": version.number,
            "sha256": version.sha256,
            "origin": _origin_label(origin),
        },
        visibility=Visibility.PUBLIC,
    )
    notify(
        _members_and_founders_signers(convention),
        kind="convention",
        template=MAIL_CONVENTION + "version_adopted",
        context={"title": version.title, "number": version.number, "sha256": version.sha256},
        url=reverse("convention:version", args=[version.number]),
    )
    return version


def _origin_label(origin) -> str | None:
    if origin is None:
        return None
    meta = getattr(origin, "_meta", None)
    return f"{meta.label_lower}:{origin.pk}" if meta else str(origin)


def _members_and_founders_signers(convention):
    """The people who sign for a member unit or a founder: they are told of a new text."""
    grants = RoleGrant.objects.active().filter(role__in=SIGNING_ROLES)
    grants = grants.filter(
        Q(unit__in=Unit.objects.members().values("pk")) | Q(unit__founded__convention=convention)
    )
    return User.objects.filter(is_active=True, pk__in=grants.values("user"))


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


# Founders, taking effect and publication ---------------------------------------------------------


def founders_signed_at(convention):
    """When the last founder first signed; None while one has not signed, or none is named."""
    founders = list(Founder.objects.filter(convention=convention).values_list("unit_id", flat=True))
    if not founders:
        return None
    first = {}
    for unit_id, signed_at in Signature.objects.filter(
        version__convention=convention, unit_id__in=founders
    ).values_list("unit_id", "signed_at"):
        first[unit_id] = min(signed_at, first.get(unit_id, signed_at))
    if len(first) < len(founders):
        return None
    return max(first.values())


def take_effect(convention, moment):
    """Set 生效 and schedule the publication reminders, in the caller's transaction."""
    convention.effective_at = moment
    convention.save(update_fields=["effective_at"])
    due = convention.publication_deadline
    url = reverse("organisations:dashboard")
    people = list(secretariat_people())
    for days in PUBLICATION_REMINDER_DAYS:
        due_at = due.ends_at - timedelta(days=days)
        if due_at > moment:
            for person in people:
                schedule_reminder(
                    key=f"convention:{convention.pk}:publication:{days}",
                    recipient=person,
                    due_at=due_at,
                    kind="reminder",
                    template=MAIL + "publication_due",
                    context={
                        "title": convention.title,
                        "last_day": due.last_day.isoformat(),
                        "days": days,
                    },
                    url=url,
                )
    notify(
        people,
        kind="convention",
        template=MAIL + "convention_effective",
        context={"title": convention.title, "last_day": due.last_day},
        url=url,
        topic=f"convention:{convention.pk}:publication:effective",
    )
    return due


@transaction.atomic
def do_name_founders(convention, *, actor, units) -> list[Founder]:
    """Name the units whose signatures bring a new convention into effect (Art. 25)."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    units = list({u.pk: u for u in units}.values())
    blockers = []
    if convention.effective_at is not None:
        blockers.append(
            _("The convention has already taken effect; its founders can no longer change.")
        )
    if not units:
        blockers.append(_("Name at least one founder."))
    refuse_if(blockers, code="cannot_name_founders")
    old = sorted(Founder.objects.filter(convention=convention).values_list("unit_id", flat=True))
    Founder.objects.filter(convention=convention).exclude(unit__in=units).delete()
    for unit in units:
        Founder.objects.get_or_create(convention=convention, unit=unit)
    # Founders who had all signed already: the convention took effect with the last of them.
    signed_at = founders_signed_at(convention)
    if signed_at is not None:
        take_effect(convention, signed_at)
    record(
        "organisations.founders_named",
        actor=actor,
        subject=convention,
        visibility=Visibility.PUBLIC,
        old={"founders": old},
        new={"founders": sorted(u.pk for u in units), "effective_at": convention.effective_at},
    )
    return list(Founder.objects.filter(convention=convention).select_related("unit"))


@transaction.atomic
def do_publish_convention(convention, *, actor, published_on: date | None = None) -> Convention:
    """Publish the convention that took effect; in force (施行) from that day (Art. 25, 30)."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    today = timezone.localdate()
    published_on = published_on or today
    blockers = []
    if convention.effective_at is None:
        blockers.append(_("The convention has not taken effect: not every founder has signed."))
    elif published_on < china_date(convention.effective_at):
        blockers.append(_("The convention cannot be published before it took effect."))
    if convention.published_on is not None:
        blockers.append(
            _("The convention was already published on %(day)s.") % {"day": convention.published_on}
        )
    if published_on > today:
        blockers.append(_("The publication date cannot be in the future."))
    refuse_if(blockers, code="cannot_publish")
    due = convention.publication_deadline
    convention.published_on = published_on
    convention.save(update_fields=["published_on"])
    # The "publish by" reminders have done their work: those not sent yet are dropped, those in
    # an inbox (and the notice that it took effect, which gave the deadline) are settled.
    Reminder.objects.filter(
        key__startswith=f"convention:{convention.pk}:publication:", sent_at__isnull=True
    ).delete()
    settle_notifications(f"convention:{convention.pk}:publication:")
    record(
        "organisations.convention_published",
        actor=actor,
        subject=convention,
        visibility=Visibility.PUBLIC,
        new={
            "published_on": published_on,
            "deadline": due.last_day,
            "late": published_on > due.last_day,
        },
    )
    return convention


@transaction.atomic
def do_record_convention_dates(
    convention, *, actor, effective_on: date, published_on: date | None
) -> Convention:
    """Record the dates of a convention that took effect before the platform was in use."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    blockers = []
    if convention.effective_at is not None:
        blockers.append(_("The convention's dates are already recorded."))
    if effective_on > timezone.localdate():
        blockers.append(_("The date it took effect cannot be in the future."))
    if published_on is not None and not effective_on <= published_on <= timezone.localdate():
        blockers.append(_("The publication date lies between the date it took effect and today."))
    refuse_if(blockers, code="cannot_record")
    convention.effective_at = start_of_day(effective_on)
    convention.published_on = published_on
    convention.save(update_fields=["effective_at", "published_on"])
    record(
        "organisations.convention_dates_recorded",
        actor=actor,
        subject=convention,
        visibility=Visibility.PUBLIC,
        new={"effective_on": effective_on, "published_on": published_on},
    )
    return convention
