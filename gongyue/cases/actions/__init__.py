"""Every step of a case, dispute, complaint or criticism is a `do_*` action here."""

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
