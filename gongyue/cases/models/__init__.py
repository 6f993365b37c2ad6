"""The models by noun: cases (Art. 21-22: report to sanction and review), disputes (Art. 20),
complaints about the executing body (Art. 23) and public criticism (Art. 17)."""

from .complaints import COMPLAINT_TRANSITIONS, Complaint, ComplaintStatus, ComplaintTarget
from .criticism import (
    CRITICISM_TRANSITIONS,
    Criticism,
    CriticismAbout,
    CriticismKind,
    CriticismStatus,
)
from .disputes import (
    DISPUTE_TRANSITIONS,
    Dispute,
    DisputeAgreement,
    DisputeMessage,
    DisputeRecusal,
    DisputeStatus,
    RecusalReason,
)

__all__ = [
    "COMPLAINT_TRANSITIONS",
    "CRITICISM_TRANSITIONS",
    "DISPUTE_TRANSITIONS",
    "Complaint",
    "ComplaintStatus",
    "ComplaintTarget",
    "Criticism",
    "CriticismAbout",
    "CriticismKind",
    "CriticismStatus",
    "Dispute",
    "DisputeAgreement",
    "DisputeMessage",
    "DisputeRecusal",
    "DisputeStatus",
    "RecusalReason",
]
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
