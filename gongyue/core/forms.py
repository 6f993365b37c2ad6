"""Running an action from a submitted form, the same way on every page."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from .errors import ActionRefused


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


def perform(form, action: Callable[[dict], Any]) -> Outcome:
    """Validate `form` and run `action(form.cleaned_data)`.

    An invalid form answers 400; a refusal puts its blockers on the form and answers with the
    refusal's status (409 by default); otherwise the outcome is true and holds the result.
    """
    if not form.is_valid():
        return Outcome(status=400)
    try:
        # One transaction around the whole action, so a refusal after a first step undoes it.
        with transaction.atomic():
            return Outcome(result=action(form.cleaned_data))
    except ActionRefused as refused:
        show_refusal(form, refused)
        return Outcome(status=refused.status)
