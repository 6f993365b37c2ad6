"""The membership story end to end in Chromium: apply with the licence, be returned once, be
approved, the legal representative claims the role from the mailed link and signs, download the
signature page, appear in the directory and the quarter's lists, withdraw."""

import re

import pytest

from gongyue.accounts.models import User
from gongyue.core.tasks import run_queued_tasks
from gongyue.core.testing import PASSWORD, assert_accessible
from gongyue.organisations.models import Application
from gongyue.organisations.registers import current_period

from .conftest import PDF_BYTES, VALID_APPLICATION


@pytest.mark.browser
def test_an_organisation_applies_is_returned_approved_signs_joins_and_withdraws(
    page, login_page, convention, secretariat, tmp_path, smtp_server
):
    name = VALID_APPLICATION["name"]
    # The organisation opens an account and applies.
    page.goto("/members/register/")
    page.fill("input[name=username]", "poyang")
    page.fill("input[name=display_name]", "张三")
    page.fill("input[name=email]", "zhang@poyang.example.cn")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("[data-testid=register-form] button[type=submit]")
    page.wait_for_url("**/members/apply/")
    assert_accessible(page)
    for field in [
        "name",
        "uscc",
        "legal_rep_name",
        "city",
        "address",
        "contact_name",
        "contact_phone",
        "contact_email",
        "legal_rep_id_last4",
        "legal_rep_email",
    ]:
        page.fill(f"[name={field}]", VALID_APPLICATION[field])
    page.select_option("[name=legal_rep_id_type]", "resident_id")
    page.check("input[name=accepts_rules]")
    licence = tmp_path / "licence.pdf"
    licence.write_bytes(PDF_BYTES)
    page.set_input_files("input[name=licence]", str(licence))
    page.check("input[name=categories][value=info_service]")
    page.fill("[name=icp_numbers]", "\n".join(VALID_APPLICATION["icp_numbers"]))
    page.fill("[name=websites]", "poyang.example.cn")
    page.click("[data-testid=submit-application]")
    page.wait_for_url("**/members/applications/*/")
    assert page.inner_text("[data-testid=application-status]") == "已提交，等待审核"
    assert_accessible(page)
    application = Application.objects.get(name=name)
    applicant = User.objects.get(username="poyang")

    # The secretariat returns it once for correction.
    login_page(secretariat)
    page.goto("/members/secretariat/applications/")
    page.click(f"text={name}")
    page.fill("[name=reasons]", "请填写完整的注册地址。")
    page.click("[data-testid=return]")
    page.wait_for_url("**/members/secretariat/applications/")

    # The applicant reads the reasons, corrects and resubmits.
    login_page(applicant)
    page.goto(f"/members/applications/{application.pk}/")
    assert "请填写完整的注册地址。" in page.inner_text("[data-testid=reasons]")
    page.fill("[name=address]", "江西省南昌市红谷滩区丰和中大道 1 号")
    page.click("[data-testid=submit-application]")
    page.wait_for_url(f"**/members/applications/{application.pk}/")
    assert page.inner_text("[data-testid=application-status]") == "已提交，等待审核"

    # The secretariat approves.
    login_page(secretariat)
    page.goto(f"/members/secretariat/applications/{application.pk}/")
    page.click("[data-testid=approve]")
    # The step says what approving does before anything happens.
    assert name in page.inner_text("[data-testid=confirm-what]")
    page.click("[data-testid=confirm]")
    page.wait_for_url("**/members/secretariat/applications/")

    # The applicant is the unit's contact and is told who signs.
    login_page(applicant)
    application.refresh_from_db()
    page.goto(f"/members/units/{application.unit_id}/sign/")
    assert "您是本单位的联系人" in page.inner_text("main")

    # The legal representative opens the mailed link, opens an account and claims the role.
    page.context.clear_cookies()
    run_queued_tasks()
    [mail] = smtp_server.to(VALID_APPLICATION["legal_rep_email"])
    # The mail links to SITE_URL; the test server listens elsewhere, so only the path is used.
    page.goto(re.search(r"/members/claim/\S+/", smtp_server.body(mail))[0])
    page.fill("input[name=username]", "zhangsan")
    page.fill("input[name=display_name]", "张三")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.check("input[name=confirm]")
    page.click("[data-testid=claim]")
    page.wait_for_url(f"**/members/units/{application.unit_id}/manage/")

    # The legal representative reads the text, signs and downloads the signature page.
    page.goto(f"/members/units/{application.unit_id}/sign/")
    assert page.inner_text("[data-testid=sha256]") == convention.version_in_force.sha256
    assert "第一条" in page.inner_text("[data-testid=canonical-text]")
    assert_accessible(page)
    page.check("input[name=confirm]")
    page.click("[data-testid=sign]")
    page.wait_for_url("**/manage/*")
    assert_accessible(page)  # the unit's page, with the sealed page's upload
    # WeasyPrint with CJK fonts can take longer than the default wait on a loaded machine.
    with page.expect_download(timeout=60_000) as download:
        page.click("[data-testid=signature-page]", timeout=60_000)
    pdf = tmp_path / "page.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    # The unit is in the directory and in the quarter's join list.
    quarter = current_period().key
    page.goto("/members/")
    assert name in page.inner_text("[data-testid=directory]")
    page.goto(f"/members/lists/{quarter}/")
    assert name in page.inner_text("[data-testid=joined]")
    assert name not in page.inner_text("[data-testid=left]")
    assert_accessible(page)

    # Later it withdraws (effective today) and appears in the leave list.
    application.refresh_from_db()
    page.goto(f"/members/units/{application.unit_id}/manage/")
    page.click("[data-testid=withdrawal-form] button[type=submit]")
    assert "不再是成员单位" in page.inner_text("[data-testid=confirm-what]")
    page.click("[data-testid=confirm]")
    page.wait_for_url("**/manage/")
    page.goto(f"/members/lists/{quarter}/")
    assert name in page.inner_text("[data-testid=left]")
    page.goto("/members/")
    assert name not in page.inner_text("[data-testid=directory]")
