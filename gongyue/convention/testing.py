"""Helpers for tests anywhere in the project that need a convention with versions."""

from .actions import do_adopt_version, do_import_version
from .demo import SAMPLE, SAMPLE_V2
from .models import Convention

__all__ = ["SAMPLE", "SAMPLE_V2", "make_version"]


def make_version(
    data: bytes | None = None,
    *,
    actor="system",
    adopt: bool = True,
    note: str = "",
    adopted_by="system",
):
    """Import `data` (default: the demo sample) into the current convention as `actor`; adopted
    unless asked, by `adopted_by` (default: the platform, as the first setup does)."""
    data = SAMPLE.read_bytes() if data is None else data
    version = do_import_version(
        Convention.objects.current(), data, actor=actor, source_name="test.txt", note=note
    )
    return do_adopt_version(version, actor=adopted_by) if adopt else version
