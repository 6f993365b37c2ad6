"""The registry's duty: expired entries leave the list (and the feeds)."""

from gongyue.core.duties import duty


@duty("registry.expiry")
def expire_entries(now) -> int:
    from .actions import do_expire_entries

    return do_expire_entries(now)
