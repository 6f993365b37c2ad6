"""The cases app's background duties (found by core's autodiscovery of `duties` modules)."""

from . import redress_duties  # noqa: F401
