"""Every state change of bulletins and requests, by noun; callers write
`from gongyue.bulletins import actions` and `actions.do_publish_bulletin(...)`."""

from .bulletins import (
    do_acknowledge_bulletin,
    do_create_bulletin,
    do_publish_bulletin,
    do_record_read,
    do_remind_unread,
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
    "do_answer_request",
    "do_close_request",
    "do_create_bulletin",
    "do_forward_requests",
    "do_publish_bulletin",
    "do_record_read",
    "do_remind_unread",
    "do_reply_to_submission",
    "do_send_request",
]
