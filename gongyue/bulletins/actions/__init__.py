"""Every state change of bulletins and requests, by noun; callers write
`from gongyue.bulletins import actions` and `actions.do_publish_bulletin(...)`."""

from .bulletins import (
    do_acknowledge_bulletin,
    do_create_bulletin,
    do_publish_bulletin,
    do_record_read,
    do_remind_unread,
)
from .campaigns import (
    do_add_question,
    do_create_campaign,
    do_open_campaign,
    do_publish_campaign_summary,
    do_record_finding,
    do_remind_campaign,
    do_request_more,
    do_save_answers,
)
from .requests import (
    do_answer_request,
    do_close_request,
    do_forward_requests,
    do_reply_to_submission,
    do_send_request,
)

__all__ = [
    "do_acknowledge_bulletin",
    "do_add_question",
    "do_answer_request",
    "do_close_request",
    "do_create_bulletin",
    "do_create_campaign",
    "do_forward_requests",
    "do_open_campaign",
    "do_publish_bulletin",
    "do_publish_campaign_summary",
    "do_record_finding",
    "do_record_read",
    "do_remind_campaign",
    "do_remind_unread",
    "do_reply_to_submission",
    "do_request_more",
    "do_save_answers",
    "do_send_request",
]
