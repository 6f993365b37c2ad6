"""The scheduled signature of the audit chain's head (see gongyue.audit.heads)."""

from gongyue.core.duties import duty

from .heads import sign_if_due


@duty("audit.sign_head")
def sign_head_on_schedule(now) -> int:
    """Sign the chain's head when the interval has passed and the log grew; returns 0 or 1."""
    return int(sign_if_due(now) is not None)
