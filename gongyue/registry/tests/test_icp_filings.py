"""ICP-filed websites on the warning list, from the CSV export the association keeps."""

import os

import pytest

from gongyue.core.errors import ActionRefused
from gongyue.registry import actions
from gongyue.registry.models import FeedChange, Status

FILINGS = (
    "\ufeff主办单位名称,网站备案号,网站域名\n"
    "赣江网络科技有限公司,赣ICP备12345678号-1,ganjiang-shop.com\n"
    "洪城数据有限公司,赣ICP备87654321号-2,www.hongcheng-data.cn、例子.中国\n"
    "写错的一行,赣ICP备00000000号,not a domain\n"
)


@pytest.fixture
def filings(tmp_path, settings):
    path = tmp_path / "icp.csv"
    path.write_text(FILINGS, encoding="utf-8")
    settings.REGISTRY_ICP_FILINGS_FILE = str(path)
    return path


@pytest.mark.parametrize(
    "value, number",
    [
        ("ganjiang-shop.com", "赣ICP备12345678号-1"),
        ("http://pay.ganjiang-shop.com/login", "赣ICP备12345678号-1"),
        ("hongcheng-data.cn", "赣ICP备87654321号-2"),  # filed as www.…: the site is the name
        ("*.xn--fsqu00a.xn--fiqs8s", "赣ICP备87654321号-2"),  # 例子.中国, the second of the row
    ],
)
def test_an_icp_filed_website_needs_the_heads_override_even_from_a_trusted_unit(
    value, number, filings, submit, unit_a, secretariat, secretariat_head
):
    actions.do_trust_unit(unit_a, actor=secretariat)
    entry = submit(value)
    assert entry.status == Status.PENDING and number in entry.warning
    with pytest.raises(ActionRefused) as refused:
        actions.do_approve_entry(entry, actor=secretariat)
    assert refused.value.code == "warning_list" and not FeedChange.objects.exists()
    entry = actions.do_approve_entry(entry, actor=secretariat_head, override=True)
    assert entry.status == Status.LISTED


def test_a_name_that_is_not_filed_is_listed_at_once_and_bad_rows_are_skipped(
    filings, submit, unit_a, secretariat
):
    actions.do_trust_unit(unit_a, actor=secretariat)
    assert set(actions.icp_filings()) == {
        "ganjiang-shop.com",
        "hongcheng-data.cn",
        "xn--fsqu00a.xn--fiqs8s",
    }
    entry = submit("ganjiang-shop-login.com")
    assert entry.status == Status.LISTED and entry.warning == ""


def test_the_filings_are_read_again_when_the_file_changes(filings, submit):
    assert "new-filed.com" not in actions.icp_filings()
    filings.write_text(FILINGS + "新单位,赣ICP备11111111号,new-filed.com\n", encoding="utf-8")
    stat = filings.stat()
    os.utime(filings, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert actions.icp_filings()["new-filed.com"] == ("赣ICP备11111111号", "新单位")
    assert "赣ICP备11111111号" in submit("new-filed.com").warning


def test_no_file_or_an_unreadable_one_adds_nothing(settings, tmp_path, submit):
    settings.REGISTRY_ICP_FILINGS_FILE = ""
    assert actions.icp_filings() == {}
    settings.REGISTRY_ICP_FILINGS_FILE = str(tmp_path / "missing.csv")
    assert actions.icp_filings() == {}
    assert submit("ganjiang-shop.com").warning == ""
    header_only = tmp_path / "wrong.csv"
    header_only.write_text("名称,号码\n甲,乙\n", encoding="utf-8")
    settings.REGISTRY_ICP_FILINGS_FILE = str(header_only)
    assert actions.icp_filings() == {}
