"""Content screening through the API, and (for the secretariat) the lexicon.

``POST /screen`` takes one text, ``POST /screen/batch`` up to SCREENING_MAX_BATCH posts; both
answer ``{"lexicon_version": n, "results": [...]}`` with, for each post, its decision (the
strictest action found, or "pass") and every match with its offsets in the text as sent. The
same access helpers, forms and actions as the pages decide everything.
"""

from datetime import datetime
from functools import wraps
from typing import Annotated, Any, Literal, NotRequired

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from pydantic import BaseModel
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from gongyue.accounts.models import ApiToken
from gongyue.api.auth import Session, TokenAuth
from gongyue.api.errors import MAX_OFFSET, ApiError, Error, cleaned

from . import actions, lexicon, queries, service
from .access import (
    check_can_manage_lexicon,
    check_can_use_screening,
    get_allow_phrase_for_user,
    get_term_for_user,
)
from .forms import (
    AllowPhraseForm,
    FilterForm,
    ImportForm,
    TermChangeForm,
    TermForm,
    check_text,
)

router = Router(tags=["screening"])


class ScreeningTokenAuth(TokenAuth):
    """The API's token authentication, remembering for SCREENING_RELOAD_SECONDS what it found
    (the person, and whether they may screen and see terms): screening is the hot path, and a
    revoked token, an ended membership or a changed role takes effect within that many
    seconds, as a new lexicon version does."""

    def __call__(self, request):
        # HttpBearer.__call__ reading the header from META: request.headers would first build a
        # mapping of every header of the request, a tenth of a one-post request.
        value = request.META.get("HTTP_AUTHORIZATION")
        if not value:
            return None
        scheme, _space, token = value.partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return super().__call__(request)  # ninja's answer (and its log line under DEBUG)
        return self.authenticate(request, token)

    def authenticate(self, request, token):
        digest = ApiToken.digest_of(token)
        caller = service.cached_caller(digest)
        if caller is None:
            user = super().authenticate(request, token)
            if user is None:
                return None
            caller = service.caller_for(user, digest)
        request.user = caller.user
        request.screening_caller = caller
        return caller.user


def _caller(request) -> service.Caller:
    """The caller's rights (403 when they may not screen), from the token cache or read now."""
    caller = getattr(request, "screening_caller", None) or service.caller_for(request.user)
    if not caller.can_screen:
        check_can_use_screening(request.user)  # raises with the reason
    return caller


SCREENING_AUTH = [ScreeningTokenAuth(), Session()]

Offsets = Literal["code_points", "utf16", "utf8"]


# -- screening ----------------------------------------------------------------------------------


# The request bodies are plain pydantic models, not ninja Schemas: a Schema runs a Python
# validator on every object (made for reading ORM rows), which cost a third of a 100-post
# batch; these validate in pydantic's core alone.


class ScreenIn(BaseModel):
    text: str
    mask: bool = Field(
        False, description="Also return the text with each match replaced by ＊ per character."
    )
    offsets: Offsets = Field(
        "code_points",
        description="Unit of start/end: Unicode code points (Python), utf16 code units (JavaScript) or utf8 bytes.",
    )


class PostIn(TypedDict):
    # A TypedDict validates to a plain dict: no model instance per post (a fifth of parsing).
    id: NotRequired[
        Annotated[
            str | None, Field(max_length=200, description="Yours, returned with the post's result.")
        ]
    ]
    text: str


class BatchIn(BaseModel):
    posts: list[PostIn]
    mask: bool = False
    offsets: Offsets = "code_points"


class MatchOut(Schema):
    term: str | None = Field(
        None,
        description="The lexicon term as the secretariat wrote it: only for the secretariat"
        " (the lexicon is confidential; see SCREENING_REVEAL_TERMS_TO_MEMBERS).",
    )
    category: str
    action: str
    severity: int
    start: int = Field(description="Offset of the match in the text as sent (see `offsets`).")
    end: int
    text: str = Field(description="The matched part of the text as sent: text[start:end].")


class ResultOut(Schema):
    id: str | None
    decision: str = Field(
        description="block, review or mask (the strictest action found), or pass."
    )
    matches: list[MatchOut]
    truncated: bool = Field(description="True when matching stopped at 1,000 matches.")
    masked: str | None = Field(None, description="Only when mask was asked for.")


class ScreenOut(Schema):
    lexicon_version: int = Field(
        description="The lexicon version that screened these posts (0: none yet)."
    )
    results: list[ResultOut]


def _body_limit(run):
    """Refuse a body over DATA_UPLOAD_MAX_MEMORY_SIZE with 413 in the error format, before reading it."""

    @wraps(run)
    def wrapped(request, *args, **kwargs):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            message = _(
                "The request is %(size)s; the limit is %(limit)s. Send fewer or shorter posts."
            ) % {"size": filesizeformat(length), "limit": filesizeformat(limit)}
            return JsonResponse({"code": "too_large", "message": message, "fields": {}}, status=413)
        return run(request, *args, **kwargs)

    return wrapped


def _check_posts(texts: list[str], name_of) -> None:
    """ApiError (413 when a text is too long, else 400) naming every post that cannot be screened
    (``name_of(i)``: the field name of the i-th text, asked only for one that fails)."""
    # The common case at one pass over the batch: none empty or too long, and the whole of it
    # encodes (a lone surrogate stays one when texts are joined). Otherwise each is checked.
    limit = settings.SCREENING_MAX_TEXT_CHARS
    if all(0 < len(text) <= limit for text in texts):
        try:
            "".join(texts).encode("utf-8")
            return
        except UnicodeEncodeError:
            pass
    fields: dict[str, list[str]] = {}
    too_long = False
    for i, text in enumerate(texts):
        try:
            check_text(text)
        except ValidationError as error:
            fields[name_of(i)] = list(error.messages)
            too_long = too_long or error.code == "too_long"
    if fields:
        name, messages = next(iter(fields.items()))
        message = messages[0] if name == "text" else f"{name}: {messages[0]}"
        raise ApiError(
            413 if too_long else 400, "too_large" if too_long else "invalid", message, fields
        )


def _quota(request, posts: int) -> None:
    """ApiError 429 when the caller's unit has used up this minute's quota (Retry-After is added
    by _retry_after, since the error format's handler knows no headers)."""
    wait = service.use_quota(request.user, posts)
    if wait is not None:
        request.retry_after = wait
        raise ApiError(
            429,
            "rate_limited",
            _(
                "Your unit's screening quota for this minute is used up"
                " (%(requests)s requests and %(posts)s posts a minute). Try again in %(wait)s s."
            )
            % {
                "requests": f"{settings.SCREENING_REQUESTS_PER_MINUTE:,}",
                "posts": f"{settings.SCREENING_POSTS_PER_MINUTE:,}",
                "wait": wait,
            },
        )


def _retry_after(run):
    @wraps(run)
    def wrapped(request, *args, **kwargs):
        response = run(request, *args, **kwargs)
        if response.status_code == 429 and getattr(request, "retry_after", None):
            response["Retry-After"] = str(request.retry_after)
        return response

    return wrapped


def _screen(request, texts, ids, *, mask, offsets) -> HttpResponse:
    """The results as JSON, written by service.results_json: validating them against ScreenOut
    (which documents them) would cost more than screening them, about 40% of a 100-post
    request, and building a dict per passing post to walk it again cost a sixth."""
    version, results = service.screen_texts(texts, exclusive=service.is_exclusive(request))
    body = service.results_json(
        version,
        texts,
        results,
        ids,
        mask=mask,
        offsets=offsets,
        reveal=request.screening_caller.reveal,
    )
    return HttpResponse(body, content_type="application/json")


@router.post(
    "/screen",
    response={200: ScreenOut, 400: Error, 401: Error, 403: Error, 413: Error, 429: Error},
    auth=SCREENING_AUTH,
)
@decorate_view(_body_limit, _retry_after)
def screen(request, payload: ScreenIn):
    """Screen one text (at most SCREENING_MAX_TEXT_CHARS characters, 65,536 by default).

    Counts one request and one post against the unit's quota; beyond it, 429 with Retry-After."""
    request.screening_caller = _caller(request)
    _quota(request, 1)
    _check_posts([payload.text], lambda i: "text")
    return _screen(request, [payload.text], [None], mask=payload.mask, offsets=payload.offsets)


@router.post(
    "/screen/batch",
    response={200: ScreenOut, 400: Error, 401: Error, 403: Error, 413: Error, 429: Error},
    auth=SCREENING_AUTH,
)
@decorate_view(_body_limit, _retry_after)
def screen_batch(request, payload: BatchIn):
    """Screen up to SCREENING_MAX_BATCH posts (1,000 by default) at once; results come in the order sent.

    Counts one request and every post against the unit's quota; beyond it, 429 with Retry-After."""
    request.screening_caller = _caller(request)
    limit = settings.SCREENING_MAX_BATCH
    if not payload.posts:
        raise ApiError(
            400, "invalid", _("Send at least one post."), {"posts": [_("Send at least one post.")]}
        )
    if len(payload.posts) > limit:
        message = _(
            "%(count)s posts were sent; at most %(limit)s may be screened at once. Split the batch."
        ) % {"count": f"{len(payload.posts):,}", "limit": f"{limit:,}"}
        raise ApiError(400, "too_many", message, {"posts": [message]})
    _quota(request, len(payload.posts))
    texts = [post["text"] for post in payload.posts]
    _check_posts(texts, "posts.{}.text".format)
    ids = [post.get("id") for post in payload.posts]
    return _screen(request, texts, ids, mask=payload.mask, offsets=payload.offsets)


# -- the lexicon (secretariat) -------------------------------------------------------------------


class TermOut(Schema):
    id: int
    term: str
    key: str = Field(description="The normalised form the term is matched by.")
    category: str
    action: str
    severity: int
    collapse_repeats: bool
    pinyin: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime


class TermIn(Schema):
    term: str
    category: str
    action: str
    severity: int = 1
    collapse_repeats: bool = False
    pinyin: bool = False
    note: str = ""


class TermPatch(Schema):
    term: str | None = None
    category: str | None = None
    action: str | None = None
    severity: int | None = None
    collapse_repeats: bool | None = None
    pinyin: bool | None = None
    note: str = ""


class TermPublishedOut(Schema):
    term: TermOut
    lexicon_version: int


class NoteIn(Schema):
    note: str = ""


class PhraseOut(Schema):
    id: int
    phrase: str
    key: str
    is_active: bool
    created_at: datetime


class PhraseIn(Schema):
    phrase: str
    note: str = ""


class PhrasePublishedOut(Schema):
    phrase: PhraseOut
    lexicon_version: int


class ChangeOut(Schema):
    lexicon_version: int
    kind: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    actor: str
    at: datetime


class LexiconVersionOut(Schema):
    number: int
    created_at: datetime
    created_by: str
    note: str
    term_count: int
    allow_count: int
    added: int
    changed: int
    removed: int
    sha256: str


class LexiconImportOut(Schema):
    dry_run: bool
    mode: str
    added: int
    changed: int
    removed: int
    phrases_added: int
    phrases_removed: int
    lexicon_version: int = Field(
        description="The version published (with dry_run, the one in service)."
    )
    term_count: int
    sha256: str = Field(description="Of the lexicon's CSV export after the import.")


class TermFilter(Schema):
    q: str = ""
    category: str = ""
    action: str = ""
    state: Literal["live", "removed", "all"] = "live"
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    limit: int = Field(100, ge=1, le=1000)


def _change_out(change) -> dict:
    return {
        "lexicon_version": change.version.number,
        "kind": change.kind,
        "old": change.old,
        "new": change.new,
        "actor": str(change.actor) if change.actor else "",
        "at": change.at,
    }


def _version_out(version) -> dict:
    return {
        "number": version.number,
        "created_at": version.created_at,
        "created_by": str(version.created_by) if version.created_by else "",
        "note": version.note,
        "term_count": version.term_count,
        "allow_count": version.allow_count,
        "added": version.added,
        "changed": version.changed,
        "removed": version.removed,
        "sha256": version.sha256,
    }


@router.get("/lexicon/terms", response={200: list[TermOut], 401: Error, 403: Error})
def list_terms(request, filters: Query[TermFilter]):
    """Terms, in order of normalised form; q searches the term as written and its normalised form."""
    check_can_manage_lexicon(request.user)
    form = FilterForm(
        {
            "q": filters.q,
            "category": filters.category,
            "action": filters.action,
            "state": filters.state,
        }
    )
    cleaned(form)
    return list(form.filter(queries.terms())[filters.offset : filters.offset + filters.limit])


@router.post(
    "/lexicon/terms",
    response={201: TermPublishedOut, 400: Error, 401: Error, 403: Error, 409: Error},
)
def add_term(request, payload: TermIn):
    """Add a term; publishes a new lexicon version, which every worker loads within seconds."""
    check_can_manage_lexicon(request.user)
    form = TermForm(payload.dict())
    cleaned(form)
    term, version = actions.do_add_term(
        actor=request.user, note=form.cleaned_data["note"], **form.term_fields
    )
    return Status(201, {"term": term, "lexicon_version": version.number})


@router.get("/lexicon/terms/{term_id}", response={200: TermOut, 401: Error, 403: Error, 404: Error})
def get_term(request, term_id: int):
    return get_term_for_user(request.user, term_id)


@router.patch(
    "/lexicon/terms/{term_id}",
    response={200: TermPublishedOut, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error},
)
def change_term(request, term_id: int, payload: TermPatch):
    """Change the fields sent; publishes a new version."""
    term = get_term_for_user(request.user, term_id)
    form = TermChangeForm(payload.dict(exclude_unset=True))
    cleaned(form)
    term, version = actions.do_change_term(
        term, actor=request.user, note=payload.note, **form.term_fields
    )
    return {"term": term, "lexicon_version": version.number}


@router.delete(
    "/lexicon/terms/{term_id}",
    response={200: TermPublishedOut, 401: Error, 403: Error, 404: Error, 409: Error},
)
def remove_term(request, term_id: int, payload: NoteIn | None = None):
    """Remove a term (it stays on record with its history); publishes a new version."""
    term = get_term_for_user(request.user, term_id)
    term, version = actions.do_remove_term(
        term, actor=request.user, note=payload.note if payload else ""
    )
    return {"term": term, "lexicon_version": version.number}


@router.get(
    "/lexicon/terms/{term_id}/history",
    response={200: list[ChangeOut], 401: Error, 403: Error, 404: Error},
)
def term_history(request, term_id: int):
    """Every change of the term, newest first, with the version that published it."""
    term = get_term_for_user(request.user, term_id)
    return [_change_out(change) for change in queries.history(term)]


@router.get("/lexicon/allow", response={200: list[PhraseOut], 401: Error, 403: Error})
def list_phrases(request, state: Literal["live", "removed", "all"] = "live"):
    check_can_manage_lexicon(request.user)
    return list(queries.phrases(state))


@router.post(
    "/lexicon/allow",
    response={201: PhrasePublishedOut, 400: Error, 401: Error, 403: Error, 409: Error},
)
def add_phrase(request, payload: PhraseIn):
    """Allow a phrase: a term found inside it is not reported. Publishes a new version."""
    check_can_manage_lexicon(request.user)
    form = AllowPhraseForm(payload.dict())
    cleaned(form)
    phrase, version = actions.do_add_allow_phrase(
        actor=request.user, phrase=form.cleaned_data["phrase"], note=form.cleaned_data["note"]
    )
    return Status(201, {"phrase": phrase, "lexicon_version": version.number})


@router.delete(
    "/lexicon/allow/{phrase_id}",
    response={200: PhrasePublishedOut, 401: Error, 403: Error, 404: Error, 409: Error},
)
def remove_phrase(request, phrase_id: int, payload: NoteIn | None = None):
    phrase = get_allow_phrase_for_user(request.user, phrase_id)
    phrase, version = actions.do_remove_allow_phrase(
        phrase, actor=request.user, note=payload.note if payload else ""
    )
    return {"phrase": phrase, "lexicon_version": version.number}


@router.post(
    "/lexicon/import",
    response={
        200: LexiconImportOut,
        201: LexiconImportOut,
        400: Error,
        401: Error,
        403: Error,
        409: Error,
        413: Error,
    },
)
def import_lexicon(
    request,
    file: UploadedFile = File(...),
    mode: Literal["merge", "replace"] = Form("merge"),
    note: str = Form(""),
    dry_run: bool = Form(False),
):
    """Import a lexicon CSV (multipart), all or nothing.

    Problems come back as 400 with every one listed by row in `fields.file`, and the version in
    service stays. `dry_run` checks the file and says what it would change, changing nothing.
    """
    check_can_manage_lexicon(request.user)
    form = ImportForm({"mode": mode, "note": note}, {"file": file})
    cleaned(form)
    if dry_run:
        plan = actions.plan_import(form.upload, mode)
        current = queries.latest_version()
        terms, phrases = plan.terms_after(), plan.phrases_after()
        return {
            "dry_run": True,
            "mode": mode,
            **plan.counts,
            "lexicon_version": current.number if current else 0,
            "term_count": len(terms),
            "sha256": lexicon.sha256(lexicon.export_csv(terms, phrases)),
        }
    plan, version = actions.do_import_lexicon(
        form.upload,
        actor=request.user,
        mode=mode,
        note=form.cleaned_data["note"],
        source_name=file.name or "",
    )
    return Status(
        201,
        {
            "dry_run": False,
            "mode": mode,
            **plan.counts,
            "lexicon_version": version.number,
            "term_count": version.term_count,
            "sha256": version.sha256,
        },
    )


@router.get(
    "/lexicon/export",
    response={200: None, 401: Error, 403: Error},
    openapi_extra={
        "responses": {
            200: {"description": "The lexicon as CSV (UTF-8 with BOM)", "content": {"text/csv": {}}}
        }
    },
)
def export_lexicon(request):
    """The lexicon in service as CSV, which the import reads back; its SHA-256 is the version's."""
    check_can_manage_lexicon(request.user)
    return queries.export_response()


@router.get("/lexicon/versions", response={200: list[LexiconVersionOut], 401: Error, 403: Error})
def versions(
    request,
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = 100,
):
    check_can_manage_lexicon(request.user)
    limit = max(1, min(limit, 1000))
    return [_version_out(v) for v in queries.versions()[offset : offset + limit]]
