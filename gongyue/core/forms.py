"""Running an action from a submitted form, the same way on every page: the confirmation step
before an irreversible act, the refusal of a form opened before someone else changed its object,
and the action itself."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import transaction
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .errors import ActionRefused

#: A page's form posts this field (templates/core/_confirm_step.html) when its act cannot be
#: undone; the confirmation page posts the same fields without it, and only then does the act run.
CONFIRM_FIELD = "confirm_step"
#: The hidden field that carries what the edited object was when the form was opened.
SEEN_FIELD = "seen"


def show_refusal(form, refused: ActionRefused) -> None:
    """Put an action's blockers next to the field they concern, or above the form."""
    field = refused.field if refused.field in form.fields else None
    for blocker in refused.blockers:
        form.add_error(field, blocker)


@dataclass
class Outcome:
    """What became of a submission: the action's result, or the status to answer the form with."""

    result: Any = None
    status: int = 200

    def __bool__(self) -> bool:
        return self.status < 400


def ask_to_confirm(request, what: str, *, form=None, title: str = "", button: str = ""):
    """The page that says in words what an irreversible act will do, or None to go on.

    Only a post that asked for the step (its form includes ``core/_confirm_step.html``) gets
    the page; the page posts the same fields again without the request, and the view acts. A
    form that is not valid gets no step: the view shows its errors first. An API call, like a
    post without the request, is its own confirmation.
    """
    if request.method != "POST" or request.POST.get(CONFIRM_FIELD) != "ask":
        return None
    if form is not None and not form.is_valid():
        return None
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in (CONFIRM_FIELD, "csrfmiddlewaretoken")
        for value in values
    ]
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = ""
    context = {
        "what": what,
        "title": title or _("Confirm"),
        "button": button or _("Confirm"),
        "fields": fields,
        "action": request.get_full_path(),
        "back": back,
    }
    return render(request, "core/confirm.html", context)


def edit_token(obj) -> str:
    """A fingerprint of a row's stored values: it changes whenever anyone saves the row."""
    values = [f"{f.attname}={f.value_to_string(obj)}" for f in obj._meta.concrete_fields]
    return hashlib.sha256("\x1f".join(values).encode()).hexdigest()[:32]


def guard_edits(form, obj):
    """Give `form` a hidden field holding what `obj` is as the form is opened; `perform` then
    refuses a submission made after someone else changed `obj` (a form left open in a second
    tab), keeping what was typed. Returns the form."""
    token = edit_token(obj)
    form.fields[SEEN_FIELD] = forms.CharField(
        widget=forms.HiddenInput, required=False, initial=token
    )
    form.edit_token = token
    return form


def _refuse_if_stale(form) -> bool:
    """True (and the form refused) when it was opened before its object last changed."""
    token = getattr(form, "edit_token", None)
    seen = form.data.get(SEEN_FIELD) if form.is_bound else None
    # No token posted: an API call or an older page, which the action's own checks cover.
    if token is None or not seen or seen == token:
        return False
    # What was typed stays; the new token lets a second submission overwrite on purpose.
    form.data = form.data.copy()
    form.data[SEEN_FIELD] = token
    form.is_valid()
    form.add_error(
        None,
        _(
            "Someone changed this since you opened the form. What you typed is kept below: "
            "check it against the current state and submit again to replace it."
        ),
    )
    return True


def perform(form, action: Callable[[dict], Any]) -> Outcome:
    """Validate `form` and run `action(form.cleaned_data)`.

    An invalid form answers 400; a form opened before its object changed (see `guard_edits`)
    answers 409; a refusal puts its blockers on the form and answers with the refusal's status
    (409 by default); otherwise the outcome is true and holds the result.
    """
    if _refuse_if_stale(form):
        return Outcome(status=409)
    if not form.is_valid():
        return Outcome(status=400)
    try:
        # One transaction around the whole action, so a refusal after a first step undoes it.
        with transaction.atomic():
            return Outcome(result=action(form.cleaned_data))
    except ActionRefused as refused:
        show_refusal(form, refused)
        return Outcome(status=refused.status)
