"""Pages: read the convention and its versions, compare two versions, download, and (for the
secretariat) import a text, preview it, save it as a draft, adopt or discard a draft."""

import json
import re

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongyue.core.access import login_required, secretariat_required
from gongyue.core.errors import ActionRefused
from gongyue.core.forms import ask_to_confirm

from . import actions, article_notes, export, queries
from .access import can_manage_versions, get_version_for_user, get_version_to_manage
from .canonical import canonical_text, text_sha256
from .diff import diff_structures
from .forms import AdoptForm, ConfirmImportForm, DiffForm, ImportForm
from .models import Convention, VersionStatus
from .render import document

# Texts waiting between preview and save, in the session, keyed by the hash of their canonical text.
PENDING_IMPORTS = "convention_imports"
PENDING_IMPORTS_KEPT = 3
LINE_BREAK = re.compile(r"\r\n|\r|\n")  # as the parser splits lines, so numbers match


def _reader(request, convention, version, *, versions=None, status=200, blockers=()):
    """The page of one version: its text by chapter, and what may be done with it."""
    versions = versions if versions is not None else queries.version_list(request.user, convention)
    in_force = queries.in_force_among(versions)
    can_manage = can_manage_versions(request.user)
    context = {
        "convention": convention,
        "version": version,
        "in_force": in_force,
        "versions": versions,
        "doc": document(
            version.structure,
            # Only another version than the one in force needs its articles mapped.
            convention.rule_table(
                None if in_force and in_force.pk == version.pk else version.structure
            ),
        ),
        "article_notes": article_notes.for_version(version),
        "can_manage": can_manage,
        "adopt_blockers": version.blockers_to_adopt(in_force)
        if can_manage and version.is_draft
        else [],
        "blockers": blockers,
        "compare": queries.default_pair(versions),
    }
    return render(request, "convention/version.html", context, status=status)


def current(request):
    """The version in force (the adopted one), or a page saying there is none yet."""
    convention = Convention.objects.current()
    versions = queries.version_list(request.user, convention) if convention else []
    in_force = queries.in_force_among(versions)
    if in_force is None:
        context = {
            "convention": convention,
            "versions": versions,
            "can_manage": can_manage_versions(request.user),
        }
        return render(request, "convention/none.html", context)
    version = get_version_for_user(request.user, in_force.number, convention=convention)
    return _reader(request, convention, version, versions=versions)


def version_page(request, number):
    version = get_version_for_user(request.user, number)
    return _reader(request, version.convention, version)


def versions(request):
    convention = Convention.objects.current()
    versions = queries.version_list(request.user, convention) if convention else []
    context = {
        "convention": convention,
        "versions": versions,
        "in_force": queries.in_force_among(versions),
        "can_manage": can_manage_versions(request.user),
        "compare": queries.default_pair(versions),
    }
    return render(request, "convention/versions.html", context)


def diff(request):
    """Compare two versions: article by article, with changed characters marked."""
    convention = Convention.objects.current()
    versions = queries.version_list(request.user, convention) if convention else []
    asked = "from" in request.GET or "to" in request.GET
    default_from, default_to = queries.default_pair(versions)
    form = DiffForm(
        request.GET if asked else None,
        versions=versions,
        initial={"from": default_from, "to": default_to},
    )
    context = {"convention": convention, "versions": versions, "form": form}
    if not asked:
        return render(request, "convention/diff.html", context)
    if not form.is_valid():
        return render(request, "convention/diff.html", context, status=400)
    old, new = queries.pair_for_diff(
        convention, [form.cleaned_data["from"], form.cleaned_data["to"]]
    )
    context.update(old=old, new=new, diff=diff_structures(old.structure, new.structure))
    return render(request, "convention/diff.html", context)


# --- Downloads -----------------------------------------------------------------------------


def _download(version, content, content_type, extension):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{export.filename(version, extension)}"'
    )
    response["X-Content-SHA256"] = version.sha256
    if not version.is_public:
        response["Cache-Control"] = "private, no-store"
    return response


def download_text(request, number):
    version = get_version_for_user(request.user, number)
    return _download(version, version.canonical_text.encode(), "text/plain; charset=utf-8", "txt")


def download_json(request, number):
    version = get_version_for_user(request.user, number)
    body = json.dumps(
        export.version_document(version), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
    )
    return _download(version, body.encode(), "application/json", "json")


def download_pdf(request, number):
    version = get_version_for_user(request.user, number)
    return _download(version, export.version_pdf(version), "application/pdf", "pdf")


def download_akn(request, number):
    version = get_version_for_user(request.user, number)
    return _download(
        version, export.akoma_ntoso(version), "application/akn+xml; charset=utf-8", "akn.xml"
    )


# --- Secretariat ---------------------------------------------------------------------------


def _problem_rows(problems, data: bytes) -> list[dict]:
    """Each parser problem with its line number and the text of that line of the upload."""
    lines = (
        LINE_BREAK.split(data.decode("utf-8", errors="replace").removeprefix("\ufeff"))
        if problems
        else []
    )
    return [
        {
            "line": p.line,
            "message": p.describe(_),
            "source": lines[p.line - 1] if p.line and p.line <= len(lines) else "",
        }
        for p in problems
    ]


@secretariat_required
def import_text(request):
    """Upload a text: problems come back by line number; a clean text goes to the preview."""
    if request.method != "POST":
        return render(request, "convention/import.html", {"form": ImportForm()})
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        context = {"form": form, "problems": _problem_rows(form.problems, form.data_bytes)}
        return render(request, "convention/import.html", context, status=400)
    convention = Convention.objects.current()
    previous = actions.previous_version(convention)
    if previous is not None and previous.status == VersionStatus.ADOPTED:
        # The version in force is the one the preview amends: no second query for its articles.
        convention.version_in_force = previous
    structure = actions.planned_structure(form.parsed, previous)
    text = canonical_text(form.parsed)
    sha256 = text_sha256(text)
    pending = request.session.get(PENDING_IMPORTS, {})
    pending.pop(sha256, None)
    pending[sha256] = {"text": text, "name": form.cleaned_data["file"].name}
    request.session[PENDING_IMPORTS] = dict(list(pending.items())[-PENDING_IMPORTS_KEPT:])
    context = {
        "convention": convention,
        "previous": previous,
        "doc": document(structure, convention.rule_table(structure) if convention else ()),
        "diff": diff_structures(previous.structure, structure) if previous else None,
        "sha256": sha256,
        "source_name": form.cleaned_data["file"].name,
        "characters": len(text),
        "confirm": ConfirmImportForm(initial={"sha256": sha256, "note": form.cleaned_data["note"]}),
    }
    return render(request, "convention/preview.html", context)


@secretariat_required
@require_POST
def save_import(request):
    """Save the previewed text as a draft version."""
    form = ConfirmImportForm(request.POST)
    pending = request.session.get(PENDING_IMPORTS, {})
    entry = pending.get(form.data.get("sha256", "")) if form.is_valid() else None
    if entry is None:
        messages.error(request, _("That preview has expired. Upload the file again."))
        return render(request, "convention/import.html", {"form": ImportForm()}, status=400)
    try:
        version = actions.do_import_version(
            Convention.objects.current(),
            entry["text"].encode(),
            actor=request.user,
            source_name=entry["name"],
            note=form.cleaned_data["note"],
        )
    except ActionRefused as refused:
        messages.error(request, "; ".join(refused.blockers))
        return render(
            request, "convention/import.html", {"form": ImportForm()}, status=refused.status
        )
    del pending[form.cleaned_data["sha256"]]
    request.session[PENDING_IMPORTS] = pending
    messages.success(
        request, _("Version %(number)s was saved as a draft.") % {"number": version.number}
    )
    return redirect("convention:version", number=version.number)


def _change(request, number, action, done_message):
    version = get_version_to_manage(request.user, number)
    try:
        version = action(version, actor=request.user)
    except ActionRefused as refused:
        return _reader(
            request, version.convention, version, status=refused.status, blockers=refused.blockers
        )
    messages.success(request, done_message % {"number": version.number})
    return redirect("convention:version", number=version.number)


@login_required
@require_POST
def adopt(request, number):
    form = AdoptForm(request.POST)
    if not form.is_valid():
        version = get_version_to_manage(request.user, number)
        return _reader(
            request, version.convention, version, status=400, blockers=form.errors["confirm"]
        )
    return _change(request, number, actions.do_adopt_version, _("Version %(number)s is adopted."))


@login_required
@require_POST
def discard(request, number):
    version = get_version_to_manage(request.user, number)
    what = _(
        "Discard draft version %(number)s: it is kept on record but can never be adopted, and "
        "its number is not given to another text."
    ) % {"number": version.number}
    if page := ask_to_confirm(request, what, button=_("Discard this draft")):
        return page
    return _change(
        request, number, actions.do_discard_draft, _("Draft version %(number)s was discarded.")
    )
