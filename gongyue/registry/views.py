"""Pages: search, an entry (its public history and the appeal form), submission, the review
queue, appeals, the link check, the feed directory; and the feed files themselves."""

import re
from collections import Counter

from django.contrib import messages
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotModified,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from gongyue.api.auth import TokenAuth
from gongyue.core.access import is_secretariat, login_required, secretariat_required
from gongyue.core.forms import Outcome, perform
from gongyue.core.paging import filtered_page
from gongyue.core.ratelimit import anonymous_rate_limit
from gongyue.core.receipts import check_receipt
from gongyue.core.uploads import serve_upload

from . import actions, publishing, queries, service
from .access import (
    can_use_registry,
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
    BatchForm,
    CheckForm,
    DecideForm,
    DelistForm,
    EvidenceForm,
    ReceiptForm,
    ReviewForm,
    ReviewManyForm,
    ReviewQueueForm,
    SearchForm,
    SightForm,
    SubmitForm,
    TrustForm,
)
from .models import Appeal, AppealStatus, Category

PAGE_SIZE = 50
#: The review queue shows more a page: its entries are ticked and decided a page at a time.
QUEUE_PAGE_SIZE = 200


def search(request):
    form = SearchForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    entries = queries.search(request.user, **data)
    page, query = filtered_page(request, entries, PAGE_SIZE)
    return render(request, "registry/search.html", {"form": form, "page": page, "query": query})


def entry_page(request, entry_id):
    entry = get_entry_for_user(request.user, entry_id)
    secretariat = is_secretariat(request.user)
    context = {
        "entry": entry,
        "events": entry.events.all(),
        # Whoever the entry names appeals; the secretariat decides appeals, it does not file them.
        "appeal_form": AppealForm() if entry.is_listed and not secretariat else None,
        "secretariat": secretariat,
        "own": request.user.is_authenticated and request.user.unit_id == entry.unit_id,
    }
    sightings = entry.sightings.select_related("unit").prefetch_related("files")
    if secretariat:
        context["sightings"] = sightings
        context["review_form"] = ReviewForm()
        context["delist_form"] = DelistForm() if entry.is_listed else None
    elif request.user.is_authenticated and request.user.unit_id is not None:
        # A unit sees its own sightings (it may have seen an entry another unit submitted)
        # and hands in screenshots for them; never another unit's.
        context["sightings"] = list(sightings.filter(unit_id=request.user.unit_id))
        context["evidence_form"] = EvidenceForm() if context["sightings"] else None
        if entry.is_public and member_unit(request.user) is not None:
            context["sight_form"] = SightForm(auto_id="sight_%s")
    return render(request, "registry/entry.html", context)


@login_required
def evidence_file(request, attachment_id):
    """A screenshot: its unit's and the secretariat's only (see access.py)."""
    row = get_evidence_file_for_user(request.user, attachment_id)
    return serve_upload(row.file, f"evidence-{row.pk}")


@login_required
def appeal_file(request, file_id):
    """A screenshot with an appeal: the secretariat's and the appellant's (see access.py)."""
    row = get_appeal_file_for_user(request.user, file_id)
    return serve_upload(row.file, f"appeal-{row.pk}")


@login_required
def submit(request):
    unit = check_can_submit(request.user)
    form = SubmitForm(request.POST or None, request.FILES or None)
    done = Outcome()
    if request.method == "POST":

        def run(data):
            result = actions.do_submit_entry(form.item(), actor=request.user, unit=unit)
            upload = data.get("screenshot")
            if upload:
                actions.do_add_evidence_file(result.sighting, upload, actor=request.user)
            return result

        if done := perform(form, run):
            entry = done.result.entry
            messages.success(
                request,
                _("%(indicator)s was submitted; it is %(status)s.")
                % {"indicator": entry.indicator, "status": entry.get_status_display()},
            )
            return redirect("registry:entry", entry_id=entry.pk)
    return render(request, "registry/submit.html", {"form": form}, status=done.status)


@login_required
def submit_batch(request):
    """Up to REGISTRY_MAX_BATCH indicators pasted or in a CSV file, all or none, each bad line
    or row named (the API's batch takes the same form's checks, `forms.batch_items`)."""
    unit = check_can_submit(request.user)
    form = BatchForm(request.POST or None, request.FILES or None)
    done = Outcome()
    if request.method == "POST":

        def run(data):
            try:
                return actions.do_submit_entries(form.batch, actor=request.user, unit=unit)
            except actions.InvalidBatch as invalid:
                raise form.refusal(invalid) from None

        if done := perform(form, run):
            return render(
                request,
                "registry/batch_done.html",
                {"results": done.result, "outcomes": Counter(r.outcome for r in done.result)},
                status=201,
            )
    return render(request, "registry/submit_batch.html", {"form": form}, status=done.status)


@secretariat_required
def review_queue(request):
    filters = ReviewQueueForm(request.GET or None, units=queries.units_to_review())
    data = filters.cleaned_data if filters.is_valid() else {}
    entries = queries.review_queue(unit=data.get("unit"), category=data.get("category", ""))
    page, query = filtered_page(request, entries, QUEUE_PAGE_SIZE)
    return render(
        request,
        "registry/review.html",
        {
            "page": page,
            "filters": filters,
            "query": query,
            "form": ReviewForm(),
            "many": ReviewManyForm(),
        },
    )


@login_required
@require_POST
def review(request, entry_id):
    entry = get_entry_for_user(request.user, entry_id, to="review")
    form = ReviewForm(request.POST)

    def run(data):
        if data["decision"] == "approve":
            return actions.do_approve_entry(
                entry, actor=request.user, note=data["note"], override=data["override"]
            )
        return actions.do_reject_entry(entry, actor=request.user, reason=data["note"])

    _perform_and_report(
        request,
        form,
        run,
        lambda result: (
            _("%(indicator)s is now %(status)s.")
            % {"indicator": entry.indicator, "status": result.get_status_display()}
        ),
    )
    if request.POST.get("next") == "entry":
        return redirect("registry:entry", entry_id=entry.pk)
    return redirect("registry:review")


@login_required
@require_POST
def review_many(request):
    """The same decision for the entries ticked in the review queue, all or none."""
    check_can_review(request.user)
    form = ReviewManyForm(request.POST)

    def run(data):
        return actions.do_review_entries(
            get_entries_to_review(request.user, data["entries"]),
            actor=request.user,
            approve=data["decision"] == "approve",
            note=data["note"],
        )

    def say(result):
        count = len(result)
        if form.cleaned_data["decision"] == "approve":
            text = ngettext("%(count)s entry approved.", "%(count)s entries approved.", count)
        else:
            text = ngettext("%(count)s entry rejected.", "%(count)s entries rejected.", count)
        return text % {"count": count}

    _perform_and_report(request, form, run, say)
    # Back to the queue as it was filtered (only its own filters, re-encoded).
    asked = QueryDict(request.POST.get("query", ""))
    kept = QueryDict(mutable=True)
    for name in ("unit", "category"):
        if asked.get(name):
            kept[name] = asked[name]
    return redirect(reverse("registry:review") + (f"?{kept.urlencode()}" if kept else ""))


@require_POST
@anonymous_rate_limit("registry-appeal")
def appeal(request, entry_id):
    entry = get_entry_for_user(request.user, entry_id)
    form = AppealForm(request.POST, request.FILES)
    done = perform(
        form,
        lambda data: actions.do_file_appeal(
            entry, actor=request.user, unit=member_unit(request.user), **data
        ),
    )
    if done:
        appeal_row, code = done.result
        return render(
            request,
            "registry/appeal_filed.html",
            {"appeal": appeal_row, "code": code, "entry": entry},
            status=201,
        )
    context = {
        "entry": entry,
        "events": entry.events.all(),
        "appeal_form": form,
        "secretariat": is_secretariat(request.user),
    }
    return render(request, "registry/entry.html", context, status=done.status)


def appeal_status(request):
    """A person without an account follows their appeal with its number and receipt code, and
    while it is open adds a screenshot to it."""
    form = ReceiptForm(request.POST or None)
    found = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            found = (
                Appeal.objects.select_related("entry")
                .filter(pk=form.cleaned_data["appeal"])
                .exclude(receipt_digest="")
                .first()
            )
            code = form.cleaned_data["code"].strip().upper()
            if not check_receipt(code, found.receipt_digest if found else None):
                found = None
                form.add_error(None, _("No appeal has this number and receipt code."))
                status = 404
        else:
            status = 400
    return _appeal_status_page(request, form, found, status=status)


def _appeal_status_page(request, form, appeal, *, status=200, file_form=None):
    context = {"form": form, "appeal": appeal}
    if appeal is not None and appeal.status == AppealStatus.OPEN:
        context["file_form"] = file_form or EvidenceForm(auto_id="appeal_file_%s")
        context["code"] = form.cleaned_data["code"]
    return render(request, "registry/appeal_status.html", context, status=status)


@require_POST
@anonymous_rate_limit("registry-appeal")
def appeal_add_file(request, appeal_id):
    """A screenshot for an open appeal, by whoever holds its receipt code (see access.py)."""
    receipt = ReceiptForm({"appeal": appeal_id, "code": request.POST.get("code", "")})
    if not receipt.is_valid():
        raise Http404
    appeal_row = get_appeal_for_upload(request.user, appeal_id, receipt.cleaned_data["code"])
    form = EvidenceForm(request.POST, request.FILES, auto_id="appeal_file_%s")
    done = perform(
        form,
        lambda data: actions.do_add_appeal_file(appeal_row, data["screenshot"], actor=request.user),
    )
    if done:
        messages.success(
            request,
            _("The screenshot was added (SHA-256 %(sha256)s).")
            % {"sha256": done.result.sha256[:12]},
        )
    appeal_row.refresh_from_db()
    return _appeal_status_page(
        request,
        receipt,
        appeal_row,
        status=201 if done else done.status,
        file_form=None if done else form,
    )


@secretariat_required
def appeals(request):
    return render(
        request,
        "registry/appeals.html",
        {"appeals": queries.open_appeals(), "form": DecideForm()},
    )


@login_required
@require_POST
def decide(request, appeal_id):
    appeal_row = get_appeal_for_user(request.user, appeal_id, to="decide")
    form = DecideForm(request.POST)
    _perform_and_report(
        request,
        form,
        lambda data: actions.do_decide_appeal(
            appeal_row,
            actor=request.user,
            uphold=data["decision"] == "uphold",
            reason=data["reason"],
        ),
        lambda result: (
            _("Appeal %(number)s: %(status)s.")
            % {"number": appeal_row.pk, "status": AppealStatus(result.status).label}
        ),
    )
    return redirect("registry:appeals")


@secretariat_required
def trusted(request):
    """The units whose submissions are listed at once (reviewed later), and the others."""
    return render(
        request, "registry/trusted.html", {"units": queries.trust_rows(), "form": TrustForm()}
    )


@login_required
@require_POST
def trust(request, unit_id):
    unit = get_unit_to_trust(request.user, unit_id)
    form = TrustForm(request.POST)

    def run(data):
        if data["decision"] == "trust":
            return actions.do_trust_unit(unit, actor=request.user)
        return actions.do_untrust_unit(unit, actor=request.user)

    def say(result):
        if form.cleaned_data["decision"] == "trust":
            return _("%(unit)s is now a trusted submitter.") % {"unit": unit.name}
        return _("%(unit)s is no longer a trusted submitter.") % {"unit": unit.name}

    _perform_and_report(request, form, run, say)
    return redirect("registry:trusted")


@login_required
@require_POST
def delist(request, entry_id):
    """The secretariat takes a listed entry off the list, with the reason (its own correction;
    an appeal upheld does the same through the appeal)."""
    entry = get_entry_for_user(request.user, entry_id, to="review")
    _perform_and_report(
        request,
        DelistForm(request.POST),
        lambda data: actions.do_delist_entry(entry, actor=request.user, reason=data["reason"]),
        lambda result: (
            _("%(indicator)s is delisted; it leaves the feeds at the next publication.")
            % {"indicator": entry.indicator}
        ),
    )
    return redirect("registry:entry", entry_id=entry.pk)


@login_required
@require_POST
def sight(request, entry_id):
    """A member unit saw a public entry too: its sighting keeps a listed entry listed longer
    and sends an expired or delisted one back for review (see `do_submit_entries`)."""
    unit = check_can_submit(request.user)
    entry = get_entry_for_user(request.user, entry_id)
    form = SightForm(request.POST, request.FILES)

    def run(data):
        result = actions.do_submit_entry(form.item(entry), actor=request.user, unit=unit)
        if data.get("screenshot"):
            actions.do_add_evidence_file(result.sighting, data["screenshot"], actor=request.user)
        return result

    _perform_and_report(
        request,
        form,
        run,
        lambda result: (
            _("Your unit's sighting was added; %(indicator)s is %(status)s.")
            % {"indicator": entry.indicator, "status": result.entry.get_status_display()}
        ),
    )
    return redirect("registry:entry", entry_id=entry.pk)


@login_required
@require_POST
def add_evidence(request, entry_id):
    """A screenshot for the latest sighting of the entry by the person's unit."""
    sighting = get_sighting_for_evidence(request.user, entry_id)
    _perform_and_report(
        request,
        EvidenceForm(request.POST, request.FILES),
        lambda data: actions.do_add_evidence_file(sighting, data["screenshot"], actor=request.user),
        lambda result: (
            _("The screenshot was added (SHA-256 %(sha256)s).") % {"sha256": result.sha256[:12]}
        ),
    )
    return redirect("registry:entry", entry_id=entry_id)


def _perform_and_report(request, form, run, say) -> bool:
    """A form posted from a page that redirects back: run it (see `perform`), then say what
    was done, `say(result)`, or every error in one message."""
    done = perform(form, run)
    if done:
        messages.success(request, say(done.result))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return bool(done)


@login_required
def check(request):
    check_can_use_registry(request.user)
    form = CheckForm(request.POST or None)
    context = {"form": form}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            context["serial"], context["results"] = service.check(form.cleaned_data["values"])
        else:
            status = 400
    return render(request, "registry/check.html", context, status=status)


# -- feeds --------------------------------------------------------------------------------------


def is_public_feed(name: str) -> bool:
    from django.conf import settings

    return publishing.scope_of(name) in settings.REGISTRY_PUBLIC_CATEGORIES


def feed_rows():
    publication = queries.latest_publication()
    rows = []
    if publication is not None:
        for name in publishing.feed_names():
            info = publication.files.get(name)
            if info:
                rows.append(
                    {
                        "name": name,
                        "url": reverse("registry:feed", args=[name]),
                        "public": is_public_feed(name),
                        **info,
                    }
                )
    return publication, rows


def feeds(request):
    publication, rows = feed_rows()
    return render(
        request,
        "registry/feeds.html",
        {
            "publication": publication,
            "rows": rows,
            "categories": Category,
            "can_use": can_use_registry(request.user),
        },
    )


def _feed_user(request):
    """Who fetches: the session, a Bearer token, or ?token= (resolvers cannot send headers)."""
    if request.user.is_authenticated:
        return request.user
    header = request.META.get("HTTP_AUTHORIZATION", "")
    token = (
        header[7:].strip() if header.lower().startswith("bearer ") else request.GET.get("token", "")
    )
    return TokenAuth().authenticate(request, token) if token else None


_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
UNSATISFIABLE = (-1, -1)


def _byte_range(request, size: int, etag: str, last_modified: int) -> tuple[int, int] | None:
    """The one byte range asked for (RFC 9110 §14): (start, stop), UNSATISFIABLE, or None for
    the whole file (no Range, one this view ignores, several ranges, or an If-Range the file no
    longer matches: the file changed since the first part was fetched)."""
    header = request.META.get("HTTP_RANGE", "").strip()
    found = _RANGE.fullmatch(header)
    if not found or found.group(0) == "bytes=-":
        return None
    condition = request.META.get("HTTP_IF_RANGE", "").strip()
    if condition and condition != etag and parse_http_date_safe(condition) != last_modified:
        return None
    first, last = found.groups()
    if not first:  # the last ``last`` bytes
        return (max(0, size - int(last)), size) if int(last) else UNSATISFIABLE
    start, stop = int(first), size if not last else int(last) + 1
    if last and stop <= start:
        return None  # not a valid range: ignored
    return (start, min(stop, size)) if start < size else UNSATISFIABLE


def _take(blocks, count: int):
    """The first ``count`` bytes of the blocks."""
    for block in blocks:
        if len(block) >= count:
            yield block[:count]
            return
        count -= len(block)
        yield block


@require_GET
def feed(request, name):
    """A feed file of the newest publication, with ETag, Last-Modified and gzip."""
    if name not in publishing.feed_names():
        raise Http404
    if not is_public_feed(name):
        user = _feed_user(request)
        if user is None or not can_use_registry(user):
            response = HttpResponse(
                _(
                    "This feed is for member units: send your API token (Authorization: Bearer … or ?token=…)."
                )
                + "\n",
                status=401 if user is None else 403,
                content_type="text/plain; charset=utf-8",
            )
            response["WWW-Authenticate"] = 'Bearer realm="gongyue registry"'
            return response
    publication = queries.latest_publication()
    if publication is None or name not in publication.files:
        raise Http404
    info = publication.files[name]
    # One publication writes each file once, so its serial identifies the bytes.
    etag = f'"{publication.serial}"'
    last_modified = int(publication.published_at.timestamp())
    headers = {
        "ETag": etag,
        "Last-Modified": http_date(last_modified),
        "Vary": "Accept-Encoding, Authorization",
        "Cache-Control": "public, max-age=0, must-revalidate"
        if is_public_feed(name)
        else "private, max-age=0, must-revalidate",
        "X-Registry-Serial": str(publication.serial),
    }
    match = request.META.get("HTTP_IF_NONE_MATCH")
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    if (match and etag in [t.strip().removeprefix("W/") for t in match.split(",")]) or (
        not match and since is not None and since >= last_modified
    ):
        response = HttpResponseNotModified()
        for key, value in headers.items():
            response[key] = value
        return response
    # The gzipped form once it is written (it follows the plain file by a moment).
    gzipped = "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "") and "gzip_size" in info
    if "body" not in info:  # a publication written before feeds were kept as chunks
        raise Http404
    # Streamed from its chunks: the head, each chunk (or its deflate block), the foot; a range
    # of it (of the gzip member when gzipped) skips the chunks before it by their sizes.
    size = info["gzip_size"] if gzipped else info["size"]
    wanted = _byte_range(request, size, etag, last_modified)
    if wanted == UNSATISFIABLE:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    start, stop = wanted or (0, size)
    blocks = publishing.stream(name, info, serial=publication.serial, gzipped=gzipped, start=start)
    response = StreamingHttpResponse(
        _take(blocks, stop - start) if stop < size else blocks,
        content_type=publishing.content_type(name),
        status=206 if wanted else 200,
    )
    response["Content-Length"] = str(stop - start)
    response["Accept-Ranges"] = "bytes"
    if wanted:
        response["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    if gzipped:
        response["Content-Encoding"] = "gzip"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    for key, value in headers.items():
        response[key] = value
    return response
