"""The join/leave lists as pages, CSV and JSON read them: a published record, or for a period
not yet published, the provisional list computed from the timeline."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongyue.convention.models import Convention
from gongyue.convention.rules import RULES_BY_KEY
from gongyue.core.textfiles import excel_csv

from .models import EndedBy, JoinedBy, RegisterList
from .periods import Period, period_containing, period_from_key
from .queries import register_rows

#: For people first (Chinese names and labels), then the codes for programs.
CSV_COLUMNS = ["名单", "日期", "统一社会信用代码", "单位名称", "方式", "原因", "list", "by"]


def register_period_kind() -> str:
    """The period the convention sets for its lists (RULES.md rule 5; default quarterly)."""
    convention = Convention.objects.current()
    return (
        convention.rule("register_period")
        if convention
        else RULES_BY_KEY["register_period"].default
    )


def current_period(now: datetime | None = None) -> Period:
    return period_containing(now or timezone.now(), register_period_kind())


@dataclass
class Sheet:
    period: Period
    joined: list[dict]
    left: list[dict]
    record: RegisterList | None = None

    @property
    def status(self) -> str:
        return "published" if self.record else "provisional"

    @property
    def is_published(self) -> bool:
        return self.record is not None

    def as_dict(self) -> dict:
        record = self.record
        return {
            "period": self.period.key,
            "starts_on": self.period.starts_on.isoformat(),
            "ends_on": self.period.ends_on.isoformat(),
            "status": self.status,
            "id": record.pk if record else None,
            "published_at": record.published_at.isoformat() if record else None,
            "sha256": record.sha256 if record else None,
            "corrects": record.corrects_id if record else None,
            "note": record.note if record else "",
            "joined": self.joined,
            "left": self.left,
        }

    def as_csv(self) -> bytes:
        """The list for Excel (see gongyue.core.textfiles), always in Chinese."""
        with translation.override("zh-hans"):
            lists = {"joined": _("Joined"), "left": _("Left")}
            ways = {**dict(JoinedBy.choices), **dict(EndedBy.choices)}
            rows = [CSV_COLUMNS]
            for name, entries in (("joined", self.joined), ("left", self.left)):
                for row in entries:
                    rows.append(
                        [
                            lists[name],
                            row["date"],
                            row["uscc"],
                            row["name"],
                            str(ways.get(row["by"], row["by"])),
                            row.get("reason", ""),
                            name,
                            row["by"],
                        ]
                    )
        return excel_csv(rows)


def sheet_for_record(record: RegisterList) -> Sheet:
    period = period_from_key(record.period)
    return Sheet(period=period, joined=record.joined, left=record.left, record=record)


def sheet_for_period(key: str, now: datetime | None = None) -> Sheet | None:
    """The list in force for a period: its latest published record, else the provisional one.
    None for a key that names no period or a period that has not started."""
    period = period_from_key(key)
    now = now or timezone.now()
    if period is None or period.start > now:
        return None
    record = RegisterList.objects.filter(period=period.key).current().first()
    if record is not None:
        return sheet_for_record(record)
    rows = register_rows(period, now)
    return Sheet(period=period, joined=rows["joined"], left=rows["left"])
