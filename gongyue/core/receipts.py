"""Receipt codes for people without an account (a registry appeal, public criticism).

A code is shown once and stored only as a slow hash (Django's password hasher). Checking a code
takes as long, and answers the same, whether the row is unknown or the code is wrong, so a
guesser learns nothing from either the answer or the time it took.
"""

import re
import secrets

from django.contrib.auth.hashers import check_password, make_password

# No 0/O, 1/I/L: a code is read off a screen and typed back.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 20
GROUP = 4


def normalise(code: str) -> str:
    """The canonical form of a typed code: upper case, groups of four joined by dashes."""
    raw = re.sub(r"[^0-9A-Za-z]", "", code or "").upper()
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def new_receipt_code(length: int = LENGTH) -> str:
    """A fresh code of `length` random characters (about 5 bits each), e.g. K7QF-3MZP-…."""
    return normalise("".join(secrets.choice(ALPHABET) for _ in range(length)))


def hash_receipt(code: str) -> str:
    return make_password(normalise(code))


_dummy: list[str] = []


def check_receipt(code: str, digest: str | None) -> bool:
    """True when `code` is the one hashed in `digest`; a missing digest (an unknown row) costs
    the same hashing work as a wrong code and is False too."""
    if not digest:
        if not _dummy:
            _dummy.append(make_password(new_receipt_code()))
        check_password(normalise(code), _dummy[0])
        return False
    return check_password(normalise(code), digest)
