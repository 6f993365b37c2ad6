"""The audit log in Chromium: a member finds what the secretariat did to its unit (Art. 23)."""

import pytest

from gongyue.audit.log import record
from gongyue.core.testing import assert_accessible


@pytest.mark.browser
def test_a_member_filters_the_log_to_the_secretariats_acts_on_its_unit(
    transactional_db, page, login_page, secretariat, rep_a, unit_a, unit_b
):
    record("accounts.role_granted", actor=secretariat, subject=unit_a)
    record("accounts.role_granted", actor=secretariat, subject=unit_b)
    record("convention.version_imported", actor=rep_a)
    login_page(rep_a)
    page.goto("/audit/")
    assert page.locator("[data-testid=entries] tr").count() == 4  # header and three rows
    page.select_option("select[name=actor_kind]", "secretariat")
    page.select_option("select[name=unit]", str(unit_a.pk))
    page.click("[data-testid=filters] button[type=submit]")
    page.wait_for_url("**/audit/?*actor_kind=secretariat*")
    rows = page.locator("[data-testid=entries] tr")
    assert rows.count() == 2
    text = rows.nth(1).inner_text()
    assert "授予角色" in text and "（执行机构）" in text and unit_a.name in text
    assert_accessible(page)
