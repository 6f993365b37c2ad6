import pytest

from gongyue.core.testing import assert_accessible


def test_the_home_page_is_in_chinese_by_default(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_the_language_switch_sets_english(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert '<html lang="en">' in response.content.decode()


@pytest.mark.browser
def test_a_visitor_switches_the_home_page_to_english(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.click("[data-testid=lang-en]")
    page.wait_for_selector("html[lang=en]")
    assert "Log in" in page.inner_text("header")
    assert_accessible(page)


def test_an_english_browser_still_gets_chinese_until_it_switches(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="zh-hans">' in response.content.decode()


def test_a_signed_in_persons_language_preference_applies(client_for, rep_a):
    rep_a.language = "en"
    rep_a.save()
    response = client_for(rep_a).get("/")
    assert '<html lang="en">' in response.content.decode()


def test_the_api_docs_page_uses_our_own_static_files_not_a_cdn(client, db):
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn." not in page


@pytest.fixture
def convention_in_force(secretariat):
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from gongyue.convention.models import Convention
    from gongyue.convention.testing import make_version

    make_version(actor=secretariat)
    Convention.objects.update(
        effective_at=datetime(2025, 3, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai")),
        published_on=date(2025, 3, 20),
    )
    return Convention.objects.get()


def _published_lists(secretariat, keys):
    from gongyue.organisations import actions
    from gongyue.organisations.periods import period_from_key

    return [actions.do_publish_register(period_from_key(k), actor=secretariat) for k in keys]


def test_the_home_page_shows_the_convention_members_lists_and_how_to_join(
    client, convention_in_force, secretariat, unit_a, unit_b
):
    from gongyue.core.testing import make_member

    make_member(unit_a)
    make_member(unit_b)
    _published_lists(secretariat, ["2025-Q1", "2025-Q2"])
    page = client.get("/").content.decode()
    convention = page.split('data-testid="home-convention"', 1)[1].split("</section>", 1)[0]
    assert convention_in_force.title in convention and "第 1 版" in convention
    assert "2025-03-01" in convention and "2025-03-20" in convention
    members = page.split('data-testid="member-count">', 1)[1]
    assert members.startswith("2<")
    lists = page.split('data-testid="home-lists"', 1)[1].split("</section>", 1)[0]
    assert lists.index("2025年第2季度") < lists.index("2025年第1季度")
    join = page.split('data-testid="home-join"', 1)[1].split("</section>", 1)[0]
    assert 'href="/members/register/"' in join and "（第二十七条）" in join


def test_the_home_page_costs_the_same_queries_with_more_members_and_lists(
    client, convention_in_force, secretariat, unit_a, unit_b, django_assert_num_queries
):
    from gongyue.core.testing import make_member, make_unit

    make_member(unit_a)
    _published_lists(secretariat, ["2025-Q1"])
    with django_assert_num_queries(5):  # four of ours, one for the latest bulletins
        assert client.get("/").status_code == 200
    for n in range(5):
        make_member(make_unit(f"单位{n}", None))
    make_member(unit_b)
    _published_lists(secretariat, ["2025-Q2", "2025-Q3"])
    with django_assert_num_queries(5):  # four of ours, one for the latest bulletins
        assert client.get("/").status_code == 200


def test_the_brand_and_footer_are_the_associations_from_the_settings(client, db, settings):
    settings.ASSOCIATION_NAME = "赣江市互联网协会"
    settings.ASSOCIATION_LOGO = "https://static.example.cn/logo.png"
    settings.ICP_FILING = "赣ICP备2021003257号-1"
    settings.PUBLIC_SECURITY_FILING = "赣公网安备36010002000001号"
    page = client.get("/").content.decode()
    brand = page.split('data-testid="brand"', 1)[1].split("</a>", 1)[0]
    assert "赣江市互联网协会" in brand and 'src="https://static.example.cn/logo.png"' in brand
    assert "gongyue" not in brand
    footer = page.split('data-testid="footer"', 1)[1]
    assert "赣江市互联网协会" in footer
    assert (
        '<a href="https://beian.miit.gov.cn/" rel="noopener" data-testid="icp">赣ICP备2021003257号-1</a>'
        in footer
    )
    assert "赣公网安备36010002000001号" in footer


def test_by_default_the_brand_is_the_demo_association_not_the_software(client, db):
    brand = client.get("/").content.decode().split('data-testid="brand"', 1)[1].split("</a>")[0]
    assert "协会" in brand and "gongyue" not in brand and "/static/img/logo.svg" in brand
    assert 'data-testid="icp"' not in client.get("/").content.decode()
