from dataclasses import replace

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongyue.core.deadlines import Deadline, deadline

from .canonical import CANONICAL_FORMAT
from .rules import RULES, rule_value


class ConventionQuerySet(models.QuerySet):
    def current(self):
        """The convention the platform runs (the first one; an association runs one)."""
        return self.order_by("pk").first()


class Convention(models.Model):
    """A self-discipline convention, with its lifecycle milestones (Art. 25, 30)."""

    slug = models.SlugField(_("short name"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    # 生效: when the last founder signed (Art. 25).
    effective_at = models.DateTimeField(_("took effect"), null=True, blank=True)
    # 公布 and 施行: published on this day, in force from it (Art. 25, 30).
    published_on = models.DateField(_("published"), null=True, blank=True)
    # Only the values that differ from gongyue.convention.rules.RULES.
    rules = models.JSONField(_("rule settings"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ConventionQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("convention")
        verbose_name_plural = _("conventions")

    def __str__(self):
        return self.title

    def rule(self, key: str):
        return rule_value(self.rules, key)

    def rule_article(self, rule) -> int | None:
        """The article of this convention's text a rule implements: the seed's number unless
        the convention says otherwise (`rules["articles"]`; None where its text has none)."""
        return self.rules.get("articles", {}).get(rule.key, rule.article)

    def rule_table(self, structure=None):
        """Each rule with its value and the article that states it.

        Placements are numbered as in the version in force; for the structure of another
        version (an older one, a draft, a preview) each rule follows its article's identity to
        the number that article has there, or to none where that text lacks it.
        """
        table = [
            (replace(rule, article=self.rule_article(rule)), self.rule(rule.key)) for rule in RULES
        ]
        if structure is None:
            return table
        reference = self.version_in_force
        if reference is None or structure == reference.structure:
            return table
        identity_at = {a["number"]: a.get("identity") for a in reference.structure["articles"]}
        number_of = {a["identity"]: a["number"] for a in structure["articles"] if a.get("identity")}

        def moved(rule):
            identity = identity_at.get(rule.article)
            if rule.article is None or identity is None:
                return rule
            return replace(rule, article=number_of.get(identity))

        return [(moved(rule), value) for rule, value in table]

    @property
    def in_force_from(self):
        """施行 starts on the publication day (Art. 30)."""
        return self.published_on

    @cached_property
    def version_in_force(self) -> "Version | None":
        return self.versions.in_force().first()

    @property
    def publication_deadline(self) -> Deadline | None:
        """The deadline to publish the convention once it took effect (Art. 25), or None."""
        if self.effective_at is None:
            return None
        return deadline(self.effective_at, self.rule("publication_days"))


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    ADOPTED = "adopted", _("adopted")
    SUPERSEDED = "superseded", _("superseded")
    # A draft the secretariat dropped: kept, so that its number is never given to another text.
    DISCARDED = "discarded", _("discarded")


# The only status changes there are; gongyue.convention.actions makes each of them.
VERSION_TRANSITIONS = {
    VersionStatus.DRAFT: {VersionStatus.ADOPTED, VersionStatus.DISCARDED},
    VersionStatus.ADOPTED: {VersionStatus.SUPERSEDED},
    VersionStatus.SUPERSEDED: set(),
    VersionStatus.DISCARDED: set(),
}
PUBLIC_STATUSES = (VersionStatus.ADOPTED, VersionStatus.SUPERSEDED)


class VersionQuerySet(models.QuerySet):
    def in_force(self):
        """The adopted version (at most one per convention is adopted and not superseded)."""
        return self.filter(status=VersionStatus.ADOPTED)

    def public(self):
        """Versions anyone may read: adopted or superseded, never drafts or discarded drafts."""
        return self.filter(status__in=PUBLIC_STATUSES)

    def visible_to(self, user):
        """The secretariat also sees drafts and discarded drafts."""
        if user.is_authenticated and user.is_secretariat:
            return self
        return self.public()

    def kept(self):
        """Every version except discarded drafts: the line of texts a new import amends."""
        return self.exclude(status=VersionStatus.DISCARDED)


class Version(models.Model):
    """One text of a convention. Immutable once adopted: a change is a new version.

    `structure` holds the parser's JSON shape, each article with its stable `identity`;
    `canonical_text` and `sha256` are derived from it (gongyue.convention.canonical) and are
    what signatures bind to.
    """

    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    title = models.CharField(_("title"), max_length=200)
    note = models.CharField(_("note"), max_length=300, blank=True)
    structure = models.JSONField()
    canonical_text = models.TextField()
    sha256 = models.CharField(max_length=64)
    # The rules the canonical text was made with (docs/canonical-text.md); signatures cite it.
    canonical_format = models.CharField(max_length=64, default=CANONICAL_FORMAT)
    source_name = models.CharField(_("source file"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    adopted_at = models.DateTimeField(_("adopted"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)
    discarded_at = models.DateTimeField(_("discarded"), null=True, blank=True)

    objects = VersionQuerySet.as_manager()

    # What may change once a version exists: its lifecycle, never its text.
    LIFECYCLE_FIELDS = frozenset({"status", "adopted_at", "superseded_at", "discarded_at"})

    class Meta:
        ordering = ["convention", "number"]
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "number"], name="version_numbers_are_unique"
            ),
            models.UniqueConstraint(
                fields=["convention"],
                condition=Q(status="adopted"),
                name="one_adopted_version_per_convention",
            ),
        ]

    def __str__(self):
        return f"{self.title} v{self.number}"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if not self._state.adding and (
            update_fields is None or not self.LIFECYCLE_FIELDS.issuperset(update_fields)
        ):
            raise ValueError("A version's text never changes: import a new version instead.")
        super().save(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def article_count(self) -> int:
        return len(self.structure.get("articles", ()))

    def can_become(self, status) -> bool:
        return status in VERSION_TRANSITIONS[VersionStatus(self.status)]

    def blockers_to_adopt(self, in_force: "Version | None") -> list[str]:
        """Why this version cannot be adopted now, given the version in force (if any)."""
        blockers = []
        if not self.can_become(VersionStatus.ADOPTED):
            blockers.append(
                gettext("Version %(number)s is %(status)s; only a draft can be adopted.")
                % {"number": self.number, "status": self.get_status_display()}
            )
        elif in_force is not None and in_force.number > self.number:
            blockers.append(
                gettext(
                    "Version %(number)s is older than version %(in_force)s, which is in force; "
                    "import the text again to adopt it."
                )
                % {"number": self.number, "in_force": in_force.number}
            )
        return blockers

    def blockers_to_discard(self) -> list[str]:
        if self.can_become(VersionStatus.DISCARDED):
            return []
        return [
            gettext("Version %(number)s is %(status)s; only a draft can be discarded.")
            % {"number": self.number, "status": self.get_status_display()}
        ]


class ArticleIdentity(models.Model):
    """What stays the same about an article across versions, whatever its number becomes.

    Interpretations, findings and citations point here, never at a display number.
    """

    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="article_identities"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self):
        return f"#{self.pk}"


class Article(models.Model):
    """An article as it stands in one version: its display number and full text, for citation."""

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="articles")
    identity = models.ForeignKey(
        ArticleIdentity, on_delete=models.PROTECT, related_name="appearances"
    )
    number = models.PositiveIntegerField(_("article"))
    chapter = models.PositiveIntegerField(null=True, blank=True)
    section = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField()

    class Meta:
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "number"], name="article_numbers_are_unique_per_version"
            ),
            models.UniqueConstraint(
                fields=["version", "identity"], name="an_identity_appears_once_per_version"
            ),
        ]

    def __str__(self):
        from .parser import article_label

        return article_label(self.number)


class Founder(models.Model):
    """A unit whose signature brings a new convention into effect (公约发起单位, Art. 25)."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="founders")
    unit = models.ForeignKey("organisations.Unit", on_delete=models.PROTECT, related_name="founded")
    named_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit__name"]
        verbose_name = _("founder")
        verbose_name_plural = _("founders")
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "unit"], name="a_founder_once_per_convention"
            )
        ]

    def __str__(self):
        return str(self.unit)
