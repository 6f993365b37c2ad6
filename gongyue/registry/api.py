"""The registry through the API: submit (one or up to REGISTRY_MAX_BATCH), review, delist,
trust, appeal, check links (up to REGISTRY_MAX_CHECK), incremental sync and the feed directory.
The same forms, access helpers and actions as the pages decide everything."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from gongyue.api.auth import public
from gongyue.api.errors import ApiError, Error, cleaned
from gongyue.core.ratelimit import hit
from gongyue.core.uploads import serve_upload

from . import actions, queries, service
from .access import (
    can_see_evidence,
    check_can_review,
    check_can_submit,
    check_can_use_registry,
    get_appeal_file_for_user,
    get_appeal_for_upload,
    get_appeal_for_user,
    get_entries_to_review,
    get_entry_for_user,
    get_evidence_file_for_user,
    get_sighting_for_evidence,
    get_unit_to_trust,
    member_unit,
)
from .forms import (
    AppealForm,
    DecideForm,
    DelistForm,
    EvidenceForm,
    ReviewForm,
    ReviewManyForm,
    SearchForm,
    SubmitForm,
    as_form_problems,
    batch_items,
    check_count,
)
from .models import Appeal, EvidenceFile

router = Router(tags=["registry"])


class ItemIn(Schema):
    value: str = Field(
        description="A domain (*.domain for its subdomains too), URL, IP, CIDR or hash."
    )
    category: str
    kind: str = Field(
        "", description="domain, url, ip, cidr, sha256, sha1 or md5; empty: recognised."
    )
    include_subdomains: bool = False
    evidence: str = ""
    sample_sha256: str = ""
    expires_on: str | None = Field(None, description="YYYY-MM-DD; empty: the category's default.")


class ScreenshotOut(Schema):
    id: int
    kind: str = Field(description="png or jpeg, read from the bytes.")
    size: int
    sha256: str
    at: datetime
    url: str = Field(description="Where the file is served (never to the public).")


class RegistryEvidenceOut(ScreenshotOut):
    entry: int


class RegistryBatchIn(Schema):
    items: list[ItemIn]


class RegistryEntryOut(Schema):
    id: int
    indicator: str
    kind: str
    value: str
    include_subdomains: bool
    category: str
    status: str
    listed_at: datetime | None
    expires_at: datetime | None
    warning: str = ""


class SubmittedOut(Schema):
    entry: RegistryEntryOut
    outcome: str = Field(description="created, sighted (already known) or reopened.")


class BatchOut(Schema):
    results: list[SubmittedOut]


class RegistryReviewIn(Schema):
    decision: Literal["approve", "reject"]
    note: str = ""
    override: bool = False


class DelistIn(Schema):
    reason: str


class AppealIn(Schema):
    name: str
    contact: str
    grounds: str
    evidence: str = ""


class AppealFileOut(ScreenshotOut):
    appeal: int


class AppealOut(Schema):
    id: int
    entry: int
    status: str
    created_at: datetime
    files: list[AppealFileOut] = []
    receipt_code: str | None = Field(
        None, description="Only for an appellant without an account: keep it, it is shown once."
    )


class DecideIn(Schema):
    decision: Literal["uphold", "dismiss"]
    reason: str


class CheckIn(Schema):
    items: list[str] = Field(description="URLs, hosts or hashes.")


class RegistryMatchOut(Schema):
    indicator: str
    entry: int | None
    category: str | None
    listed_at: datetime | None


class CheckResultOut(Schema):
    input: str
    canonical: str | None
    listed: bool
    match: RegistryMatchOut | None
    error: str | None = None


class CheckOut(Schema):
    serial: int = Field(description="The publication checked against.")
    results: list[CheckResultOut]


class ChangesOut(Schema):
    since: int
    serial: int
    added: list[str]
    removed: list[str]
    count: int = Field(description="Indicators in the full list at `serial`.")
    sha256: str = Field(
        description="SHA-256 of the full list at `serial`: its indicators sorted, each followed by a newline, UTF-8."
    )


class FeedOut(Schema):
    name: str
    url: str
    public: bool
    size: int
    gzip_size: int | None = Field(None, description="Null until the gzipped copy is written.")
    sha256: str | None = Field(None, description="The file's SHA-256; null until computed.")
    count: int


class FeedsOut(Schema):
    serial: int
    published_at: datetime | None
    feeds: list[FeedOut]


def _entry_out(entry, *, secretariat: bool = False) -> dict:
    return {
        "id": entry.pk,
        "indicator": entry.indicator,
        "kind": entry.kind,
        "value": entry.value,
        "include_subdomains": entry.include_subdomains,
        "category": entry.category,
        "status": entry.status,
        "listed_at": entry.listed_at,
        "expires_at": entry.expires_at,
        "warning": entry.warning if secretariat else "",
    }


def _refuse_rows(rows) -> ApiError:
    """Bad rows, (row from 0, field, message), as a 400 naming every row and field."""
    fields: dict[str, list[str]] = {}
    for row, field, message in rows:
        fields.setdefault(f"items.{row}.{field}", []).append(message)
    name, messages = next(iter(fields.items()))
    return ApiError(400, "invalid_batch", f"{name}: {messages[0]}", fields)


def _submit(request, rows: list[ItemIn]):
    unit = check_can_submit(request.user)
    # Each row through the page's form first; then the action's checks of the whole batch.
    items, problems = batch_items([row.dict() for row in rows])
    if problems:
        raise _refuse_rows(problems)
    try:
        return actions.do_submit_entries(items, actor=request.user, unit=unit)
    except actions.InvalidBatch as invalid:
        raise _refuse_rows(as_form_problems(invalid.rows)) from None


@router.post("/entries", response={201: SubmittedOut, 400: Error, 401: Error, 403: Error})
def submit_entry(request, payload: ItemIn):
    """Submit one indicator for your unit."""
    check_can_submit(request.user)
    form = SubmitForm(payload.dict())
    cleaned(form)
    unit = check_can_submit(request.user)
    result = actions.do_submit_entry(form.item(), actor=request.user, unit=unit)
    return Status(201, {"entry": _entry_out(result.entry), "outcome": result.outcome})


@router.post("/entries/batch", response={201: BatchOut, 400: Error, 401: Error, 403: Error})
def submit_batch(request, payload: RegistryBatchIn):
    """Submit up to REGISTRY_MAX_BATCH (1,000) indicators, all or none: a bad batch answers 400
    with every bad row in `fields` (``items.<row>.<field>``, rows from 0)."""
    check_can_submit(request.user)
    # Counted before the rows are read, so that 100,000 rows are not checked to be refused.
    actions.check_batch_size(len(payload.items))
    results = _submit(request, payload.items)
    return Status(
        201, {"results": [{"entry": _entry_out(r.entry), "outcome": r.outcome} for r in results]}
    )


def _screenshot_out(row, url: str, **more) -> dict:
    fields = {"id": row.pk, "kind": row.kind, "size": row.size, "sha256": row.sha256}
    return {**fields, "at": row.at, "url": url, **more}


def _evidence_out(row) -> dict:
    url = f"/api/v1/registry/evidence/{row.pk}"
    return _screenshot_out(row, url, entry=row.sighting.entry_id)


@router.post(
    "/entries/{entry_id}/evidence",
    response={201: RegistryEvidenceOut, 400: Error, 401: Error, 403: Error, 404: Error},
)
def add_evidence(request, entry_id: int, screenshot: File[UploadedFile] = None):
    """Hand in a screenshot for an entry your unit submitted (multipart `screenshot`: PNG or
    JPEG, the type read from the bytes); it goes with your unit's latest sighting."""
    sighting = get_sighting_for_evidence(request.user, entry_id)
    data = cleaned(EvidenceForm(request.POST, request.FILES))
    row = actions.do_add_evidence_file(sighting, data["screenshot"], actor=request.user)
    return Status(201, _evidence_out(row))


@router.get(
    "/entries/{entry_id}/evidence",
    response={200: list[RegistryEvidenceOut], 401: Error, 403: Error, 404: Error},
)
def list_evidence(request, entry_id: int):
    """The screenshots of an entry you may see: your unit's (the secretariat: all)."""
    entry = get_entry_for_user(request.user, entry_id)
    rows = EvidenceFile.objects.filter(sighting__entry=entry).select_related("sighting")
    return [
        _evidence_out(r) for r in rows.order_by("pk") if can_see_evidence(request.user, r.sighting)
    ]


@router.get("/evidence/{file_id}", response={200: None, 401: Error, 404: Error})
def get_evidence(request, file_id: int):
    """The screenshot's bytes (served as the image it is; the unit's and the secretariat's)."""
    row = get_evidence_file_for_user(request.user, file_id)
    return serve_upload(row.file, f"evidence-{row.pk}")


@router.get("/entries", response={200: list[RegistryEntryOut], 400: Error}, auth=public)
def search_entries(
    request,
    q: str = "",
    category: str = "",
    status: str = "",
    mine: bool = False,
    offset: int = 0,
    limit: int = 100,
):
    """Entries you may see: listed, delisted and expired ones, and your unit's own; `mine`,
    only those your unit submitted or sighted."""
    form = SearchForm(
        {"q": q, "category": category, "status": status, "mine": mine}, user=request.user
    )
    data = cleaned(form)
    limit = max(1, min(limit, 1000))
    offset = max(0, offset)
    entries = queries.search(request.user, **data)[offset : offset + limit]
    return [_entry_out(e) for e in entries]


@router.get("/entries/{entry_id}", response={200: RegistryEntryOut, 404: Error}, auth=public)
def get_entry(request, entry_id: int):
    entry = get_entry_for_user(request.user, entry_id)
    return _entry_out(entry, secretariat=getattr(request.user, "is_secretariat", False))


@router.post(
    "/entries/{entry_id}/review",
    response={200: RegistryEntryOut, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error},
)
def review_entry(request, entry_id: int, payload: RegistryReviewIn):
    """Approve (list) or reject (with the reason) an entry awaiting review; `override` is the
    secretariat head's for an entry on the warning list."""
    entry = get_entry_for_user(request.user, entry_id, to="review")
    data = cleaned(ReviewForm(payload.dict()))
    if data["decision"] == "approve":
        entry = actions.do_approve_entry(
            entry, actor=request.user, note=data["note"], override=data["override"]
        )
    else:
        entry = actions.do_reject_entry(entry, actor=request.user, reason=data["note"])
    return _entry_out(entry, secretariat=True)


class RegistryReviewManyIn(Schema):
    entries: list[int] = Field(description="The entries' ids, up to REGISTRY_MAX_BATCH.")
    decision: Literal["approve", "reject"]
    note: str = Field("", description="The reason: required to reject.")


class ReviewedOut(Schema):
    results: list[RegistryEntryOut]


@router.post(
    "/review",
    response={200: ReviewedOut, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error},
)
def review_many(request, payload: RegistryReviewManyIn):
    """The same decision for many entries awaiting review, all or none (409 naming each entry
    that cannot take it: not awaiting review, or on the warning list, which the head overrides
    entry by entry)."""
    check_can_review(request.user)
    data = cleaned(ReviewManyForm(payload.dict()))
    entries = actions.do_review_entries(
        get_entries_to_review(request.user, data["entries"]),
        actor=request.user,
        approve=data["decision"] == "approve",
        note=data["note"],
    )
    return {"results": [_entry_out(e, secretariat=True) for e in entries]}


@router.post(
    "/entries/{entry_id}/delist",
    response={200: RegistryEntryOut, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error},
)
def delist_entry(request, entry_id: int, payload: DelistIn):
    entry = get_entry_for_user(request.user, entry_id, to="review")
    data = cleaned(DelistForm(payload.dict()))
    return _entry_out(actions.do_delist_entry(entry, actor=request.user, **data), secretariat=True)


@router.get("/review", response={200: list[RegistryEntryOut], 401: Error, 403: Error})
def review_queue(request, offset: int = 0, limit: int = 100):
    """Entries awaiting review, oldest first (with trusted units' unreviewed listings)."""
    check_can_review(request.user)
    limit = max(1, min(limit, 1000))
    entries = queries.review_queue()[max(0, offset) : max(0, offset) + limit]
    return [_entry_out(e, secretariat=True) for e in entries]


@router.post(
    "/entries/{entry_id}/appeal",
    response={201: AppealOut, 400: Error, 404: Error, 409: Error, 429: Error},
    auth=public,
)
def appeal_entry(request, entry_id: int, payload: AppealIn):
    """Appeal a listed entry. Without an account you get a receipt code to follow the appeal;
    a member unit's people appeal for their unit."""
    entry = get_entry_for_user(request.user, entry_id)
    if not request.user.is_authenticated and not hit("registry-appeal", request):
        raise ApiError(
            429, "rate_limited", _("Too many submissions from your address; try again later.")
        )
    data = cleaned(AppealForm(payload.dict()))
    appeal, code = actions.do_file_appeal(
        entry, actor=request.user, unit=member_unit(request.user), **data
    )
    return Status(201, _appeal_out(appeal, code))


def _appeal_out(appeal: Appeal, code: str | None = None) -> dict:
    return {
        "id": appeal.pk,
        "entry": appeal.entry_id,
        "status": appeal.status,
        "created_at": appeal.created_at,
        "files": [_appeal_file_out(f) for f in appeal.files.all()],
        "receipt_code": code or None,
    }


def _appeal_file_out(row) -> dict:
    return _screenshot_out(row, f"/api/v1/registry/appeals/files/{row.pk}", appeal=row.appeal_id)


@router.post(
    "/appeals/{appeal_id}/files",
    response={201: AppealFileOut, 400: Error, 404: Error, 409: Error, 429: Error},
    auth=public,
)
def add_appeal_file(
    request, appeal_id: int, screenshot: File[UploadedFile] = None, code: Form[str] = ""
):
    """Hand in a screenshot for your open appeal (multipart `screenshot`: PNG or JPEG, the
    type read from the bytes); without an account, give the receipt code as `code`."""
    if not request.user.is_authenticated and not hit("registry-appeal", request):
        raise ApiError(
            429, "rate_limited", _("Too many submissions from your address; try again later.")
        )
    appeal = get_appeal_for_upload(request.user, appeal_id, code)
    data = cleaned(EvidenceForm(request.POST, request.FILES))
    row = actions.do_add_appeal_file(appeal, data["screenshot"], actor=request.user)
    return Status(201, _appeal_file_out(row))


@router.get("/appeals/files/{file_id}", response={200: None, 401: Error, 404: Error})
def get_appeal_file(request, file_id: int):
    """A screenshot with an appeal: the secretariat's and the appellant's with an account."""
    row = get_appeal_file_for_user(request.user, file_id)
    return serve_upload(row.file, f"appeal-{row.pk}")


@router.get("/appeals", response={200: list[AppealOut], 401: Error, 403: Error})
def list_appeals(request):
    """Open appeals, oldest first."""
    check_can_review(request.user)
    return [_appeal_out(a) for a in queries.open_appeals()]


@router.post(
    "/appeals/{appeal_id}/decide",
    response={200: AppealOut, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error},
)
def decide_appeal(request, appeal_id: int, payload: DecideIn):
    """Uphold (the entry is delisted at the next publication) or dismiss; by someone other than
    who listed the entry."""
    appeal = get_appeal_for_user(request.user, appeal_id, to="decide")
    data = cleaned(DecideForm(payload.dict()))
    appeal = actions.do_decide_appeal(
        appeal, actor=request.user, uphold=data["decision"] == "uphold", reason=data["reason"]
    )
    return _appeal_out(appeal)


class TrustOut(Schema):
    unit: int
    name: str
    trusted: bool
    since: datetime | None = Field(description="When it became a trusted submitter.")
    submitted: int = Field(description="Entries it submitted first.")
    listed: int = Field(description="Of those, listed now.")
    rejected: int = Field(description="Of those, rejected.")


@router.get("/trusted", response={200: list[TrustOut], 401: Error, 403: Error})
def trusted_units(request):
    """The member units (and any unit still trusted that is no member now): whether each is a
    trusted submitter, and what it submitted."""
    check_can_review(request.user)
    return [_trust_out(unit) for unit in queries.trust_rows()]


def _trust_out(unit) -> dict:
    trust = getattr(unit, "registry_trust", None)
    return {
        "unit": unit.pk,
        "name": unit.name,
        "trusted": trust is not None,
        "since": trust.since if trust else None,
        "submitted": unit.submitted,
        "listed": unit.listed,
        "rejected": unit.rejected,
    }


@router.put(
    "/trusted/{unit_id}", response={200: dict, 401: Error, 403: Error, 404: Error, 409: Error}
)
def trust_unit(request, unit_id: int):
    """Make a unit a trusted submitter: its entries are listed at once, reviewed later."""
    actions.do_trust_unit(get_unit_to_trust(request.user, unit_id), actor=request.user)
    return {"unit": unit_id, "trusted": True}


@router.delete(
    "/trusted/{unit_id}", response={200: dict, 401: Error, 403: Error, 404: Error, 409: Error}
)
def untrust_unit(request, unit_id: int):
    actions.do_untrust_unit(get_unit_to_trust(request.user, unit_id), actor=request.user)
    return {"unit": unit_id, "trusted": False}


@router.post("/check", response={200: CheckOut, 400: Error, 401: Error, 403: Error})
def check_links(request, payload: CheckIn):
    """Check up to REGISTRY_MAX_CHECK (1,000) URLs, hosts or hashes against the newest
    publication, the way Safe Browsing matches: every host suffix (up to five) and path prefix
    (up to six) of the canonical URL, IP and CIDR containment, hashes by value. A value that
    cannot be canonicalised comes back with `error` (the others are still checked)."""
    check_can_use_registry(request.user)
    try:
        check_count(payload.items)
    except ValidationError as error:
        raise ApiError(
            400, error.code or "invalid", error.messages[0], {"items": error.messages}
        ) from None
    serial, results = service.check(payload.items)
    return {"serial": serial, "results": results}


@router.get("/changes", response={200: ChangesOut, 400: Error, 401: Error, 403: Error, 409: Error})
def changes(request, since: int):
    """What entered and left the full list since serial `since`, and the SHA-256 of the full
    list at the newest serial: apply the changes, compare the checksum, and download the full
    list when it differs or when this answers 409 `full_download_needed`."""
    check_can_use_registry(request.user)
    found = queries.changes_since(since)
    return found.__dict__


@router.get("/feeds", response=FeedsOut, auth=public)
def feed_directory(request):
    """Every feed with its size, checksum and entry count at the newest publication."""
    from .views import feed_rows

    publication, rows = feed_rows()
    return {
        "serial": publication.serial if publication else 0,
        "published_at": publication.published_at if publication else None,
        "feeds": [
            {
                k: row.get(k)
                for k in ("name", "url", "public", "size", "gzip_size", "sha256", "count")
            }
            for row in rows
        ],
    }
