"""Pages: try screening on a pasted text (members, secretariat); maintain the lexicon
(secretariat): list and search, add, change and remove terms, allowed phrases, import with a
preview, export, versions and each term's history. Plus ``ping``, a liveness probe."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongyue.core.access import login_required, secretariat_required
from gongyue.core.errors import ActionRefused
from gongyue.core.forms import Outcome, ask_to_confirm, guard_edits, perform
from gongyue.core.paging import filtered_page
from gongyue.core.textfiles import decode_table_text

from . import actions, lexicon, queries, service
from .access import (
    can_manage_lexicon,
    check_can_use_screening,
    get_allow_phrase_for_user,
    get_term_for_user,
)
from .forms import (
    AllowPhraseForm,
    ConfirmImportForm,
    FilterForm,
    ImportForm,
    RemoveForm,
    TermForm,
    TryForm,
)
from .highlight import segments
from .models import Action, Category

LEXICON_PAGE_SIZE = 50
PREVIEW_ROWS = 50
# The previewed import waiting for confirmation, in the session (one at a time).
PENDING_IMPORT = "screening_import"


def ping(request):
    """A screening worker is up (for load balancers): no database, no session, no template."""
    return HttpResponse("ok", content_type="text/plain")


# --- Trying it ---------------------------------------------------------------------------------


VIA = {
    "text": gettext_lazy("as written"),
    "pinyin": gettext_lazy("pinyin"),
    "initials": gettext_lazy("pinyin initials"),
}


def _match_row(match) -> dict:
    """A match as the table on the try page shows it, with readable labels."""
    return {
        **match._asdict(),
        "category": Category(match.category).label
        if match.category in Category.values
        else match.category,
        "action": Action(match.action).label,
        "via": VIA.get(match.via, match.via),
    }


@login_required
def try_page(request):
    """Paste a text and see what the service finds: matches highlighted, with their offsets."""
    check_can_use_screening(request.user)
    form = TryForm(request.POST or None)
    context = {
        "form": form,
        "can_manage_lexicon": can_manage_lexicon(request.user),
        # Before a text is screened, the same sentence as on the lexicon pages; after, the
        # result names the version the service screened it with.
        "in_service": queries.latest_version() if request.method != "POST" else None,
    }
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "screening/try.html", context, status=400)
        text = form.cleaned_data["text"]
        version, (result,) = service.screen_texts([text], exclusive=service.is_exclusive(request))
        matches = result.matches
        if not service.reveals_terms(request.user):
            # The lexicon is confidential: members see what matched in their text, not the term.
            matches = [match._replace(term="") for match in matches]
        context.update(
            result=result,
            version=version,
            segments=segments(text, matches),
            rows=[_match_row(match) for match in matches],
            characters=len(text),
        )
    return render(request, "screening/try.html", context)


# --- The lexicon -------------------------------------------------------------------------------


@secretariat_required
def lexicon_page(request):
    """Terms with search and filters, a page at a time."""
    filters = FilterForm(request.GET or None)
    terms = filters.filter(queries.terms())
    page, query = filtered_page(request, terms, LEXICON_PAGE_SIZE)
    context = {
        "filters": filters,
        "page": page,
        "query": query,
        "version": queries.latest_version(),
    }
    return render(request, "screening/lexicon.html", context)


@secretariat_required
def term_add(request):
    form = TermForm(request.POST or None)
    done = Outcome()
    if request.method == "POST":
        if done := perform(
            form,
            lambda data: actions.do_add_term(
                actor=request.user, note=data["note"], **form.term_fields
            ),
        ):
            term, version = done.result
            messages.success(
                request,
                _("%(term)s was added; lexicon version %(number)s is in service.")
                % {"term": term.term, "number": version.number},
            )
            return redirect("screening:lexicon")
    return render(
        request, "screening/term_form.html", {"form": form, "term": None}, status=done.status
    )


@secretariat_required
def term_edit(request, term_id):
    term = get_term_for_user(request.user, term_id)
    initial = lexicon.Entry.of(term).as_dict()
    form = guard_edits(TermForm(request.POST or None, initial=initial), term)
    done = Outcome()
    if request.method == "POST":

        def change(data):
            return actions.do_change_term(
                term, actor=request.user, note=data["note"], **form.term_fields
            )

        if done := perform(form, change):
            changed, version = done.result
            messages.success(
                request,
                _("%(term)s was changed; lexicon version %(number)s is in service.")
                % {"term": changed.term, "number": version.number},
            )
            return redirect("screening:lexicon")
    status = done.status
    return render(
        request,
        "screening/term_form.html",
        {"form": form, "term": term, "remove": RemoveForm()},
        status=status,
    )


@secretariat_required
@require_POST
def term_remove(request, term_id):
    term = get_term_for_user(request.user, term_id)
    form = RemoveForm(request.POST)
    if page := ask_to_confirm(
        request,
        _(
            "Remove %(term)s from the lexicon: a new lexicon version is published at once and "
            "screening stops finding it. Its history is kept; adding it again makes a new change."
        )
        % {"term": term.term},
        form=form,
        button=_("Remove from the lexicon"),
    ):
        return page
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        term, version = actions.do_remove_term(term, actor=request.user, note=note)
    except ActionRefused as refused:
        messages.error(request, "; ".join(refused.blockers))
    else:
        messages.success(
            request,
            _("%(term)s was removed; lexicon version %(number)s is in service.")
            % {"term": term.term, "number": version.number},
        )
    return redirect("screening:lexicon")


@secretariat_required
def term_history(request, term_id):
    term = get_term_for_user(request.user, term_id)
    return render(
        request, "screening/history.html", {"term": term, "changes": queries.history(term)}
    )


@secretariat_required
def allow_page(request):
    """Allowed phrases, with a form to add one."""
    form = AllowPhraseForm(request.POST or None)
    done = Outcome()
    if request.method == "POST":
        if done := perform(
            form, lambda data: actions.do_add_allow_phrase(actor=request.user, **data)
        ):
            phrase, version = done.result
            messages.success(
                request,
                _("%(phrase)s is allowed; lexicon version %(number)s is in service.")
                % {"phrase": phrase.phrase, "number": version.number},
            )
            return redirect("screening:allow")
    context = {
        "form": form,
        "phrases": queries.phrases("live"),
        "version": queries.latest_version(),
    }
    return render(request, "screening/allow.html", context, status=done.status)


@secretariat_required
@require_POST
def allow_remove(request, phrase_id):
    phrase = get_allow_phrase_for_user(request.user, phrase_id)
    try:
        phrase, version = actions.do_remove_allow_phrase(phrase, actor=request.user)
    except ActionRefused as refused:
        messages.error(request, "; ".join(refused.blockers))
    else:
        messages.success(
            request,
            _("%(phrase)s is no longer allowed; lexicon version %(number)s is in service.")
            % {"phrase": phrase.phrase, "number": version.number},
        )
    return redirect("screening:allow")


def _preview(plan) -> dict:
    """What an import will do, the first rows of each kind."""
    return {
        "counts": plan.counts,
        "added": [entry for _key, entry in plan.add_terms[:PREVIEW_ROWS]],
        "changed": [
            (row.snapshot(), entry.as_dict())
            for row, _key, entry in plan.change_terms[:PREVIEW_ROWS]
        ],
        "removed": plan.remove_terms[:PREVIEW_ROWS],
        "phrases_added": [phrase for _key, phrase in plan.add_phrases[:PREVIEW_ROWS]],
        "phrases_removed": plan.remove_phrases[:PREVIEW_ROWS],
        "shown": PREVIEW_ROWS,
    }


@secretariat_required
def import_page(request):
    """Upload a CSV: its problems come back by row; a clean file goes to a preview of the change."""
    if request.method != "POST":
        return render(
            request,
            "screening/import.html",
            {"form": ImportForm(), "version": queries.latest_version()},
        )
    form = ImportForm(request.POST, request.FILES)
    version = queries.latest_version()
    if not form.is_valid():
        context = {
            "form": form,
            "problems": lexicon.problem_rows(form.problems),
            "version": version,
        }
        return render(request, "screening/import.html", context, status=400)
    mode = form.cleaned_data["mode"]
    plan = actions.plan_import(form.upload, mode)
    sha256 = lexicon.sha256(form.upload.data)
    request.session[PENDING_IMPORT] = {
        "sha256": sha256,
        # As text: a GBK file is kept, and later imported, as the characters it holds.
        "data": decode_table_text(form.upload.data)[0],
        "mode": mode,
        "note": form.cleaned_data["note"],
        "name": form.cleaned_data["file"].name,
        "against": version.number if version else 0,
    }
    context = {
        "form": form,
        "version": version,
        "preview": _preview(plan),
        "unchanged": plan.is_empty,
        "mode": mode,
        "source_name": form.cleaned_data["file"].name,
        "confirm": ConfirmImportForm(initial={"sha256": sha256}),
    }
    return render(request, "screening/import_preview.html", context)


@secretariat_required
@require_POST
def import_confirm(request):
    """Carry out the previewed import, unless the lexicon changed since the preview."""
    form = ConfirmImportForm(request.POST)
    pending = request.session.get(PENDING_IMPORT)
    version = queries.latest_version()
    if not form.is_valid() or not pending or pending["sha256"] != form.cleaned_data["sha256"]:
        messages.error(request, _("That preview has expired. Upload the file again."))
        return render(
            request, "screening/import.html", {"form": ImportForm(), "version": version}, status=400
        )
    if (version.number if version else 0) != pending["against"]:
        del request.session[PENDING_IMPORT]
        messages.error(
            request,
            _(
                "The lexicon changed after the preview (it is now version %(number)s). Upload the file again to see what it would change now."
            )
            % {"number": version.number},
        )
        return render(
            request, "screening/import.html", {"form": ImportForm(), "version": version}, status=409
        )
    try:
        plan, version = actions.do_import_lexicon(
            pending["data"].encode("utf-8"),
            actor=request.user,
            mode=pending["mode"],
            note=pending["note"],
            source_name=pending["name"],
        )
    except ActionRefused as refused:
        messages.error(request, "; ".join(refused.blockers))
        return render(
            request,
            "screening/import.html",
            {"form": ImportForm(), "version": version},
            status=refused.status,
        )
    del request.session[PENDING_IMPORT]
    messages.success(
        request,
        _(
            "Imported: %(added)s added, %(changed)s changed, %(removed)s removed. Lexicon version %(number)s is in service."
        )
        % {**plan.counts, "number": version.number},
    )
    return redirect("screening:versions")


@secretariat_required
def export(request):
    return queries.export_response()


@secretariat_required
def versions(request):
    page = Paginator(queries.versions(), LEXICON_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "screening/versions.html", {"page": page, "version": queries.latest_version()}
    )
