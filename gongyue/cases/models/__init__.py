"""The models by noun: cases (Art. 21-22: report to sanction and review), disputes (Art. 20),
complaints about the executing body (Art. 23) and public criticism (Art. 17)."""

from .cases import (  # noqa: F401
    CASE_TRANSITIONS,
    Case,
    CaseFile,
    CaseSource,
    CaseStatus,
    FileRole,
    Finding,
    Measure,
    Recusal,
    Review,
    ReviewOutcome,
    Sanction,
    last_day,
)
