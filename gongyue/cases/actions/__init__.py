"""Every step of a case, dispute, complaint or criticism is a `do_*` action here."""

from .complaints import do_answer_complaint, do_close_complaint, do_file_complaint
from .criticism import do_answer_criticism, do_receive_criticism, do_triage_criticism
from .disputes import (
    do_accept_agreement,
    do_add_dispute_message,
    do_assign_mediator,
    do_declare_dispute_conflict,
    do_end_dispute_unsettled,
    do_open_dispute,
    do_propose_agreement,
    do_request_mediation,
)

__all__ = [
    "do_accept_agreement",
    "do_add_dispute_message",
    "do_answer_complaint",
    "do_answer_criticism",
    "do_assign_mediator",
    "do_close_complaint",
    "do_declare_dispute_conflict",
    "do_end_dispute_unsettled",
    "do_file_complaint",
    "do_open_dispute",
    "do_propose_agreement",
    "do_receive_criticism",
    "do_request_mediation",
    "do_triage_criticism",
]
from .cases import (  # noqa: F401
    assignment_blockers,
    blockers_to_publish,
    blockers_to_request_review,
    blockers_to_sanction,
    do_assign_case,
    do_decide_review,
    do_decide_sanction,
    do_declare_conflict,
    do_notify_accused,
    do_open_case,
    do_publish_result,
    do_record_finding,
    do_redact_file,
    do_reply_to_case,
    do_report_case,
    do_request_review,
    do_triage_case,
    reviewer_blockers,
)
