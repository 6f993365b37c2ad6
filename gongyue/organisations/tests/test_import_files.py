"""Member lists as Excel in China saves them: GBK, Chinese column and category names; a file
with a broken byte is refused naming its line, and nothing is imported."""

from django.core.files.uploadedfile import SimpleUploadedFile

from gongyue.audit.models import AuditEntry
from gongyue.organisations.models import Membership, Unit

CHINESE = (
    "统一社会信用代码,单位名称,加入日期,类别,城市\r\n"
    "914403001922038216,赣江网络科技有限公司,2019-05-20,互联网信息服务者；互联网信息网络产品制作者,南昌\r\n"
    "91350100M000100Y43,鄱阳湖数据服务有限公司,2020-01-02,access_provider,九江\r\n"
)


def _post(client, data: bytes, **fields):
    upload = SimpleUploadedFile("成员名单.csv", data, content_type="text/csv")
    return client.post("/members/secretariat/import/", {"file": upload, **fields})


def test_a_gbk_file_with_chinese_names_imports(client_for, secretariat):
    response = _post(client_for(secretariat), CHINESE.encode("gbk"))
    assert response.status_code == 302
    unit = Unit.objects.get(uscc="914403001922038216")
    assert unit.name == "赣江网络科技有限公司" and unit.city == "南昌"
    assert unit.category_codes == ["info_service", "product_maker"]
    assert Unit.objects.members().count() == 2


def test_a_gb18030_file_is_read_too(client_for, secretariat):
    assert _post(client_for(secretariat), CHINESE.encode("gb18030")).status_code == 302
    assert Unit.objects.members().count() == 2


def test_a_gbk_file_with_a_broken_byte_is_refused_naming_its_line(client_for, secretariat):
    data = CHINESE.encode("gbk").replace("鄱阳湖".encode("gbk"), b"\xdb\xff\xd1\xf4")
    client = client_for(secretariat)
    for fields in ({"dry_run": "on"}, {}):
        response = _post(client, data, **fields)
        assert response.status_code == 400
        problems = response.context["problems"]
        assert [p.row for p in problems] == [3]
        assert "0xDB" in str(problems[0]) and "GBK/GB18030" in str(problems[0])
        assert "第 3 行" in response.content.decode() or "3" in response.content.decode()
    assert not Unit.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="organisations.members").exists()


def test_the_directory_downloads_for_excel_and_the_import_reads_it_back(
    client, client_for, secretariat
):
    assert _post(client_for(secretariat), CHINESE.encode("gbk")).status_code == 302
    response = client.get("/members/members.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    data = response.content
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "单位名称,统一社会信用代码,类别,城市,加入日期,categories"
    assert (
        "赣江网络科技有限公司,914403001922038216,互联网信息服务者；互联网信息网络产品制作者,"
        "南昌,2019-05-20,info_service;product_maker"
    ) in lines
    filtered = client.get("/members/members.csv?city=九江").content.decode("utf-8-sig")
    assert "鄱阳湖" in filtered and "赣江网络" not in filtered
    # Into a platform that does not know these units yet: the export is a member list.
    Membership.objects.all().delete()
    Unit.objects.all().delete()
    assert _post(client_for(secretariat), data).status_code == 302
    assert sorted(Unit.objects.values_list("uscc", flat=True)) == [
        "91350100M000100Y43",
        "914403001922038216",
    ]
    assert Unit.objects.get(uscc="914403001922038216").category_codes == [
        "info_service",
        "product_maker",
    ]
