"""The lexicon the secretariat maintains, and its published versions.

Terms and allow-listed phrases are live rows: removing one clears ``is_active`` so that its
history stays readable. Every change publishes a :class:`LexiconVersion` in the same
transaction, holding the compiled engine (``Engine.to_bytes()``) so that a worker loads it
instead of compiling, and the SHA-256 of the lexicon exported as CSV. :class:`TermChange`
rows say what each version changed, term by term (the audit log has one row per action: an
import of 10,000 terms is one entry there, and 10,000 rows here).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import engine

#: Longest term or allow-listed phrase, in characters.
MAX_TERM_CHARS = 200
#: Room for the normalised form: a few characters expand (⑩ is "10", ﷺ is 18 letters).
MAX_KEY_CHARS = 1000
SEVERITIES = range(1, 6)
#: What a term is, in the order its history shows it.
TERM_FIELDS = ("term", "category", "action", "severity", "collapse_repeats", "pinyin")


class Category(models.TextChoices):
    FRAUD = "fraud", _("fraud")
    GAMBLING = "gambling", _("gambling")
    PORNOGRAPHY = "pornography", _("pornography")
    MALWARE = "malware", _("malware")
    OTHER = "other", _("other")


class Action(models.TextChoices):
    """What a member should do with a post that contains the term (strictest first)."""

    BLOCK = "block", _("block")
    REVIEW = "review", _("review")
    MASK = "mask", _("mask")


assert tuple(Action.values) == engine.ACTIONS


class LexiconQuerySet(models.QuerySet):
    def live(self):
        return self.filter(is_active=True)


class LexiconEntry(models.Model):
    """What terms and allowed phrases share: the normalised form (``key``), whether the entry
    is in the lexicon now (a removed one keeps its row and history), and who made it when."""

    key = models.CharField(_("normalised form"), max_length=MAX_KEY_CHARS, db_index=True)
    is_active = models.BooleanField(_("in the lexicon"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = LexiconQuerySet.as_manager()

    class Meta:
        abstract = True


class LexiconTerm(LexiconEntry):
    """A term members' posts are screened for; ``key`` is its normalised form."""

    term = models.CharField(_("term"), max_length=MAX_TERM_CHARS)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    severity = models.PositiveSmallIntegerField(
        _("severity"),
        default=1,
        validators=[MinValueValidator(SEVERITIES.start), MaxValueValidator(SEVERITIES.stop - 1)],
        help_text=_("1 (mild) to 5 (grave)"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    collapse_repeats = models.BooleanField(
        _("also match repeated characters"), default=False, help_text=_("冰冰毒毒 matches 冰毒")
    )
    pinyin = models.BooleanField(
        _("also match pinyin"), default=False, help_text=_("bingdu and bd match 冰毒")
    )

    class Meta(LexiconEntry.Meta):
        ordering = ["key", "pk"]
        verbose_name = _("lexicon term")
        verbose_name_plural = _("lexicon terms")
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(is_active=True), name="one_live_term_per_key"
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=5), name="severity_1_to_5"
            ),
            models.CheckConstraint(condition=Q(action__in=Action.values), name="term_action_known"),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="term_category_known"
            ),
        ]

    def __str__(self):
        return self.term

    def snapshot(self) -> dict:
        """What the term is, as recorded in its history and the audit log."""
        return {
            "term": self.term,
            "category": self.category,
            "severity": self.severity,
            "action": self.action,
            "collapse_repeats": self.collapse_repeats,
            "pinyin": self.pinyin,
        }

    def to_engine_term(self) -> engine.Term:
        return engine.Term(
            self.term, self.category, self.action, self.severity, self.collapse_repeats, self.pinyin
        )


class AllowPhrase(LexiconEntry):
    """A phrase whose matches are excused: a term found inside it is not reported."""

    phrase = models.CharField(_("phrase"), max_length=MAX_TERM_CHARS)

    class Meta(LexiconEntry.Meta):
        ordering = ["key", "pk"]
        verbose_name = _("allowed phrase")
        verbose_name_plural = _("allowed phrases")
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(is_active=True), name="one_live_phrase_per_key"
            ),
        ]

    def __str__(self):
        return self.phrase

    def snapshot(self) -> dict:
        return {"phrase": self.phrase}


class LexiconHead(models.Model):
    """A single row every lexicon change updates first, so that changes queue one behind the
    other instead of racing for the next version number (as the audit log's ChainHead)."""

    number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"lexicon head {self.number}"


class VersionQuerySet(models.QuerySet):
    def listing(self):
        """Without the compiled engine, which may be tens of megabytes."""
        return self.defer("compiled")


class LexiconVersion(models.Model):
    """The lexicon as published after one change; workers load the newest."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    created_at = models.DateTimeField(_("published"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    term_count = models.PositiveIntegerField(_("terms"))
    allow_count = models.PositiveIntegerField(_("allowed phrases"))
    added = models.PositiveIntegerField(_("added"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    removed = models.PositiveIntegerField(_("removed"), default=0)
    # Of the CSV that the export of this version gives, byte for byte.
    sha256 = models.CharField("SHA-256", max_length=64)
    # Engine.to_bytes() of this version; cleared for old versions (SCREENING_KEEP_COMPILED).
    compiled = models.BinaryField(null=True, editable=False)
    backend = models.CharField(max_length=20, blank=True)

    objects = VersionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        verbose_name = _("lexicon version")
        verbose_name_plural = _("lexicon versions")

    def __str__(self):
        return _("Lexicon version %(number)s") % {"number": self.number}


class ChangeKind(models.TextChoices):
    ADDED = "added", pgettext_lazy("lexicon", "added")
    CHANGED = "changed", pgettext_lazy("lexicon", "changed")
    REMOVED = "removed", pgettext_lazy("lexicon", "removed")


class TermChange(models.Model):
    """What one version did to one term or allow-listed phrase."""

    term = models.ForeignKey(
        LexiconTerm, on_delete=models.CASCADE, null=True, blank=True, related_name="changes"
    )
    phrase = models.ForeignKey(
        AllowPhrase, on_delete=models.CASCADE, null=True, blank=True, related_name="changes"
    )
    version = models.ForeignKey(LexiconVersion, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(_("change"), max_length=10, choices=ChangeKind.choices)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version_id", "pk"]
        verbose_name = _("lexicon change")
        verbose_name_plural = _("lexicon changes")
        constraints = [
            models.CheckConstraint(
                condition=Q(term__isnull=False, phrase__isnull=True)
                | Q(term__isnull=True, phrase__isnull=False),
                name="change_of_a_term_or_a_phrase",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.term or self.phrase}"

    def _ordered(self, values) -> list[tuple[str, object]]:
        # PostgreSQL's jsonb does not keep the order the keys were written in.
        values = values or {}
        return [(name, values[name]) for name in (*TERM_FIELDS, "phrase") if name in values]

    def old_items(self) -> list[tuple[str, object]]:
        return self._ordered(self.old)

    def new_items(self) -> list[tuple[str, object]]:
        return self._ordered(self.new)

    def changed_fields(self) -> list[str]:
        """The fields whose value differs between old and new, in TERM_FIELDS order."""
        old, new = dict(self.old_items()), dict(self.new_items())
        return [name for name in new if name in old and old[name] != new[name]]
