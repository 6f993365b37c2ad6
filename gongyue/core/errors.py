"""The one exception that actions raise when a state change is not allowed."""


class ActionRefused(Exception):
    """A `do_*` action refused to change anything; `blockers` says why, in readable sentences.

    Views show the blockers next to the form; the API answers 409 (or 400 with `field` set)
    in its one error format.
    """

    def __init__(
        self, *blockers, code: str = "refused", field: str | None = None, status: int = 409
    ):
        self.blockers = [str(b) for b in blockers]
        self.code = code
        self.field = field
        self.status = status
        super().__init__("; ".join(self.blockers))


def refuse_if(blockers, *, code: str = "refused") -> None:
    """Raise ActionRefused when the list of blockers is not empty."""
    if blockers:
        raise ActionRefused(*blockers, code=code)
