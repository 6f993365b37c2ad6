"""One refusal shape for files and rows (ARCHITECTURE.md convention 14).

Every importer (the convention text, the member list, the lexicon, later the registry) reads a
whole file and, when anything is wrong, refuses it whole with `FileRefused`: a list of
`Problem`s, each with the line or row it is on and a message. Nothing here imports Django, so the
parser and the lexicon reader stay usable without it; a caller inside the site passes Django's
`gettext` to show the problems in the reader's language (`refused.translated(gettext)`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from .errors import ActionRefused

Gettext = Callable[[str], str]


def gettext_noop(message: str) -> str:
    """Mark ``message`` for ``makemessages`` without importing Django."""
    return message


# How a problem names its place, in English; the catalogues carry the translations.
PLACES: dict[str, str] = {
    "line": gettext_noop("line %(line)s: %(message)s"),
    "row": gettext_noop("row %(row)s: %(message)s"),
}


class Problem(str):
    """One thing wrong with a file; as a string, the problem in English with its place.

    ``at`` is the 1-based line (of a text) or row (of a table, the header being row 1), None for
    the file as a whole. ``template`` is the message in English with ``{name}`` placeholders
    filled from ``params`` (a message with no params is used as it is), so that a caller can
    show it in another language; ``code`` says which problem it is. Being a string, a problem
    compares equal to the sentence it says ("row 4: the term is empty").
    """

    at: int | None
    template: str
    params: Mapping[str, Any]
    code: str
    place: str

    def __new__(
        cls,
        at: int | None,
        template: str,
        params: Mapping[str, Any] | None = None,
        *,
        code: str = "",
        place: Literal["line", "row"] = "line",
    ) -> Problem:
        params = dict(params or {})
        self = super().__new__(cls, _describe(at, place, template, params, None))
        self.at, self.template, self.params, self.code, self.place = (
            at,
            template,
            params,
            code,
            place,
        )
        return self

    @classmethod
    def at_line(cls, line: int | None, template: str, *, code: str = "", **params) -> Problem:
        return cls(line, template, params, code=code, place="line")

    @classmethod
    def at_row(cls, row: int | None, template: str, *, code: str = "", **params) -> Problem:
        return cls(row, template, params, code=code, place="row")

    def __reduce__(self):
        return (_rebuild, (self.at, self.template, self.params, self.code, self.place))

    @property
    def line(self) -> int | None:
        return self.at if self.place == "line" else None

    @property
    def row(self) -> int | None:
        return self.at if self.place == "row" else None

    @property
    def message(self) -> str:
        """The message in English, without its place."""
        return self.render()

    def render(self, gettext: Gettext | None = None) -> str:
        """The message without its place, translated by ``gettext`` when given."""
        return _render(self.template, self.params, gettext)

    def describe(self, gettext: Gettext | None = None) -> str:
        """The message with its place ("line 3: …"), translated by ``gettext`` when given."""
        return _describe(self.at, self.place, self.template, self.params, gettext)


def _render(template: str, params: Mapping[str, Any], gettext: Gettext | None) -> str:
    template = gettext(template) if gettext else template
    return template.format(**params) if params else template


def _describe(at, place, template, params, gettext) -> str:
    message = _render(template, params, gettext)
    if at is None:
        return message
    form = PLACES[place]
    return (gettext(form) if gettext else form) % {place: at, "message": message}


def _rebuild(at, template, params, code, place) -> Problem:
    return Problem(at, template, params, code=code, place=place)


def as_problem(problem: str, *, place: Literal["line", "row"] = "line") -> Problem:
    """A problem as it is, or a plain sentence (from a check of the caller's) as one."""
    if isinstance(problem, Problem):
        return problem
    return Problem(None, str(problem), place=place)


def sort_key(problem: Problem) -> tuple:
    """Whole-file problems first, then by line or row."""
    return (problem.at is not None, problem.at or 0)


class FileRefused(ActionRefused):
    """A file refused whole: ``problems`` lists every reason, in the order the reader found them.

    As an ActionRefused it answers 400 on the ``file`` field, the blockers being the problems
    with their places; they are in English until ``translated()``.
    """

    def __init__(
        self,
        problems: Iterable[Problem],
        *,
        code: str = "invalid_file",
        source: str = "",
        gettext: Gettext | None = None,
    ):
        self.problems = [as_problem(problem) for problem in problems]
        self.source = source
        super().__init__(
            *(problem.describe(gettext) for problem in self.problems),
            code=code,
            field="file",
            status=400,
        )

    def translated(self, gettext: Gettext) -> FileRefused:
        """The same refusal with its messages in the language ``gettext`` speaks."""
        return FileRefused(self.problems, code=self.code, source=self.source, gettext=gettext)

    def __str__(self) -> str:
        shown = "\n  ".join(self.blockers[:20])
        more = f"\n  … and {len(self.blockers) - 20} more" if len(self.blockers) > 20 else ""
        head = f"{self.source}: " if self.source else ""
        return f"{head}{len(self.problems)} problem(s):\n  {shown}{more}"
