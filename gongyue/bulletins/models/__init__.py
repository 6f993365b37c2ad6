"""The models by noun: bulletins (down), requests (up), campaigns (compliance checks)."""

from .bulletins import (
    BULLETIN_TRANSITIONS,
    Audience,
    Bulletin,
    BulletinAttachment,
    BulletinKind,
    BulletinStatus,
    Receipt,
)
from .campaigns import (
    ANSWERED,
    RESPONSE_TRANSITIONS,
    Answer,
    AnswerType,
    Campaign,
    CampaignStatus,
    Finding,
    Question,
    Response,
    ResponseStatus,
)
from .common import private_path
from .requests import (
    REQUEST_TRANSITIONS,
    Request,
    RequestAttachment,
    RequestKind,
    RequestStatus,
    Submission,
)

__all__ = [
    "ANSWERED",
    "BULLETIN_TRANSITIONS",
    "REQUEST_TRANSITIONS",
    "RESPONSE_TRANSITIONS",
    "Answer",
    "AnswerType",
    "Audience",
    "Bulletin",
    "BulletinAttachment",
    "BulletinKind",
    "BulletinStatus",
    "Campaign",
    "CampaignStatus",
    "Finding",
    "Question",
    "Receipt",
    "Request",
    "RequestAttachment",
    "RequestKind",
    "RequestStatus",
    "Response",
    "ResponseStatus",
    "Submission",
    "private_path",
]
