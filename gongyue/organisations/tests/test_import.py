from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from gongyue.audit.models import AuditEntry
from gongyue.core.deadlines import start_of_day
from gongyue.organisations.models import EndedBy, Membership, Unit

from .conftest import make_member

API = "/api/v1/members"
GOOD = (
    "uscc,name,joined,categories,city,icp_numbers\n"
    "914403001922038216,赣江网络科技有限公司,2019-05-20,info_service;product_maker,南昌,赣ICP备2021003257号-1\n"
    "91350100M000100Y43,鄱阳湖数据服务有限公司,2020-01-02,access_provider,九江,\n"
)
BAD = (
    "uscc,name,joined,categories\n"
    "914403001922038216,赣江网络科技有限公司,2019-05-20,info_service\n"  # row 2: fine
    "91350100M000100Y4Z,坏校验码公司,2019-05-20,info_service\n"  # row 3: check character
    "914403001922038216,重复公司,2019-05-20,other\n"  # row 4: repeated
    "91350100M000100Y43,日期错公司,2019/05/20,other\n"  # row 5: date format
    ",无代码公司,2019-05-20,gaming\n"  # row 6: no code, unknown category
)


@pytest.fixture
def csv_file(tmp_path):
    def write(text, name="members.csv", encoding="utf-8"):
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
        return str(path)

    return write


def test_a_good_file_imports_every_member_with_the_joining_date(csv_file, db, capsys):
    call_command("import_members", csv_file(GOOD))
    unit = Unit.objects.get(uscc="914403001922038216")
    assert unit.category_codes == ["info_service", "product_maker"] and unit.icp_numbers == [
        "赣ICP备2021003257号-1"
    ]
    assert Unit.objects.members().count() == 2
    assert Unit.objects.members().get(pk=unit.pk).member_since == start_of_day(date(2019, 5, 20))
    assert Membership.objects.filter(joined_by="import").count() == 2
    assert AuditEntry.objects.get(action="organisations.members_imported").new["count"] == 2


def test_the_dry_run_prints_one_line_per_bad_row_and_exits_1(csv_file, db, capsys):
    with pytest.raises(CommandError) as error:
        call_command("import_members", csv_file(BAD), "--dry-run")
    assert error.value.returncode == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["row 3", "row 4", "row 5", "row 6"]
    assert "check character" in lines[0] and "“Z”" in lines[0]
    assert "repeated" in lines[1] and "row 2" in lines[1]
    assert "YYYY-MM-DD" in lines[2]
    assert "missing" in lines[3] and "gaming" in lines[3]
    assert not Unit.objects.exists()


def test_a_dry_run_of_a_good_file_exits_0_and_imports_nothing(csv_file, db, capsys):
    call_command("import_members", csv_file(GOOD), "--dry-run")
    assert capsys.readouterr().out == ""
    assert not Unit.objects.exists()


def test_the_real_run_is_all_or_nothing(csv_file, db, capsys):
    with pytest.raises(CommandError):
        call_command("import_members", csv_file(BAD))
    assert capsys.readouterr().out.startswith("row 3:")
    assert not Unit.objects.exists() and not Membership.objects.exists()
    assert not AuditEntry.objects.filter(action="organisations.members_imported").exists()


def test_a_code_already_held_by_a_member_is_a_bad_row(csv_file, member_a, capsys):
    with pytest.raises(CommandError):
        call_command("import_members", csv_file(GOOD), "--dry-run")
    out = capsys.readouterr().out
    assert out.startswith("row 2:") and "member" in out
    assert Membership.objects.count() == 1


def test_a_former_member_is_imported_as_a_new_interval_after_it_left(csv_file, unit_a, capsys):
    old = make_member(unit_a, date(2015, 1, 1))
    old.ended_at, old.ended_by = start_of_day(date(2018, 1, 1)), EndedBy.WITHDRAWAL
    old.save()
    call_command("import_members", csv_file(GOOD))
    assert (
        Membership.objects.filter(unit=unit_a).count() == 2
        and Unit.objects.filter(uscc=unit_a.uscc).count() == 1
    )


def test_a_missing_column_or_a_non_utf8_file_is_reported_on_row_1(csv_file, db, capsys):
    with pytest.raises(CommandError):
        call_command("import_members", csv_file("uscc,name,categories\n1,2,3\n"), "--dry-run")
    assert capsys.readouterr().out.strip() == "row 1: missing column(s): joined"
    with pytest.raises(CommandError):
        call_command("import_members", csv_file(b"uscc,name\n\xff\xfe,1\n"), "--dry-run")
    assert capsys.readouterr().out.startswith("row 2: byte 0xFF cannot be read as GBK/GB18030")


def test_a_bom_and_windows_line_ends_are_fine(csv_file, db):
    call_command("import_members", csv_file("\ufeff" + GOOD.replace("\n", "\r\n")))
    assert Unit.objects.members().count() == 2


def test_the_secretariat_imports_on_a_page_after_checking(client_for, secretariat):
    upload = lambda text: SimpleUploadedFile("members.csv", text.encode(), content_type="text/csv")  # noqa: E731
    checked = client_for(secretariat).post(
        "/members/secretariat/import/", {"file": upload(BAD), "dry_run": "on"}
    )
    assert checked.status_code == 400
    assert [p.row for p in checked.context["problems"]] == [3, 4, 5, 6]
    assert not Unit.objects.exists()
    refused = client_for(secretariat).post("/members/secretariat/import/", {"file": upload(BAD)})
    assert refused.status_code == 400 and not Unit.objects.exists()
    imported = client_for(secretariat).post("/members/secretariat/import/", {"file": upload(GOOD)})
    assert imported.status_code == 302 and Unit.objects.members().count() == 2


def test_the_import_api_answers_400_with_every_bad_row(client_for, secretariat, rep_a):
    upload = lambda text: SimpleUploadedFile("members.csv", text.encode(), content_type="text/csv")  # noqa: E731
    response = client_for(secretariat).post(f"{API}/import", {"file": upload(BAD)})
    assert response.status_code == 400
    assert [m.split(":")[0] for m in response.json()["fields"]["file"]] == [
        "row 3",
        "row 4",
        "row 5",
        "row 6",
    ]
    assert client_for(rep_a).post(f"{API}/import", {"file": upload(GOOD)}).status_code == 403
    ok = client_for(secretariat).post(f"{API}/import", {"file": upload(GOOD)})
    assert ok.status_code == 201 and ok.json()["imported"] == 2
