import re
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongyue.convention.models import Convention
from gongyue.convention.testing import make_version

from .conftest import ITEM_AFTER


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:500]
    return response.content.decode()


def test_the_convention_page_says_so_when_nothing_has_been_adopted(client, db):
    html = page(client, "/convention/")
    assert 'data-testid="no-version"' in html and "公约尚无已通过的版本" in html


def test_a_draft_alone_is_not_the_convention_for_the_public(client, db, secretariat, sample_bytes):
    make_version(sample_bytes, actor=secretariat, adopt=False)
    html = page(client, "/convention/")
    assert "公约尚无已通过的版本" in html and "示范市" not in html


def test_the_convention_page_shows_the_adopted_version_with_its_table_of_contents(
    client, seed_version
):
    html = page(client, "/convention/")
    assert "<h1>江西省互联网行业自律公约</h1>" in html
    start = html.index('data-testid="toc"')
    toc = html[start : html.index("</nav>", start)]
    assert '<a href="#chp-2">第二章　自律条款</a>' in toc
    assert '<a href="#art-9">第九条</a>' in toc and '<a href="#art-30">第三十条</a>' in toc
    assert toc.index("#chp-2") < toc.index("#art-6") < toc.index("#chp-3")
    assert 'data-testid="version-status">已通过<' in html and "第 1 版" in html
    assert seed_version.sha256 in html


def test_every_article_and_item_has_a_stable_anchor(client, seed_version):
    html = page(client, "/convention/")
    article = html[html.index('id="art-9"') : html.index('id="art-10"')]
    assert '<a class="article-label" href="#art-9">第九条</a>' in article
    assert [m for m in re.findall(r'id="(art-9-item-\d)"', article)] == [
        f"art-9-item-{n}" for n in (1, 2, 3, 4)
    ]
    assert (
        '<p class="item" id="art-9-item-2">（二）不链接含有有害信息的网站，确保网络信息内容的合法、健康；</p>'
        in article
    )
    assert 'id="art-9-para-1"' in article
    assert f'data-identity="{seed_version.structure["articles"][8]["identity"]}"' in article
    assert 'id="closing"' in html and "签约单位（盖章）" in html


def test_a_second_paragraph_has_its_own_anchor_and_its_items_are_named_after_it(
    client, db, secretariat
):
    make_version("第一条 甲：\n（一）子。\n另起一款：\n（一）丑。\n".encode(), actor=secretariat)
    html = page(client, "/convention/")
    assert (
        'id="art-1-item-1"' in html
        and 'id="art-1-para-2"' in html
        and 'id="art-1-para-2-item-1"' in html
    )


def test_each_rule_setting_is_shown_next_to_the_article_it_implements(client, seed_version):
    convention = seed_version.convention
    convention.rules = {"publication_days": 45}
    convention.save(update_fields=["rules"])
    html = page(client, "/convention/")
    article = html[html.index('id="art-25"') : html.index('id="art-26"')]
    assert 'data-rule="publication_days"' in article
    assert "生效后公布公约的期限（日）：<strong>45</strong>" in article
    periods = html[html.index('id="art-27"') : html.index('id="art-28"')]
    assert "每季度" in periods
    assert 'id="rules"' in html and '<a href="#art-25">第 25 条</a>' in html


def test_the_lifecycle_dates_are_shown_once_the_membership_side_has_set_them(client, seed_version):
    assert 'data-testid="lifecycle"' in page(client, "/convention/")
    assert "尚未生效" in page(client, "/convention/")
    Convention.objects.update(
        effective_at=datetime(2026, 9, 30, 2, 0, tzinfo=UTC), published_on=date(2026, 10, 20)
    )
    html = page(client, "/convention/")
    lifecycle = html[html.index('data-testid="lifecycle"') : html.index("</dl>")]
    assert "<dt>生效</dt><dd>2026-09-30</dd>" in lifecycle
    assert (
        "<dt>公布</dt><dd>2026-10-20</dd>" in lifecycle
        and "<dt>施行日期</dt><dd>2026-10-20</dd>" in lifecycle
    )
    assert "尚未生效" not in html


def test_the_versions_page_lists_public_versions_newest_first(client, amended_version):
    html = page(client, "/convention/versions/")
    table = html[html.index('data-testid="versions"') : html.index("</table>")]
    assert table.index('href="/convention/v/2/"') < table.index('href="/convention/v/1/"')
    assert "已被取代" in table and "已通过" in table
    assert 'data-testid="compare-form"' in html


def test_an_older_version_is_readable_and_points_to_the_current_one(client, amended_version):
    html = page(client, "/convention/v/1/")
    assert "本版本已被取代" in html and 'href="/convention/"' in html
    assert "（二）不链接含有有害信息的网站" in html
    assert ITEM_AFTER in page(client, "/convention/v/2/")


def test_an_unknown_version_is_not_found(client, seed_version):
    page(client, "/convention/v/9/", status=404)
    page(client, "/convention/v/9.txt", status=404)
    page(client, "/convention/v/9.pdf", status=404)


def test_drafts_are_invisible_to_everyone_but_the_secretariat(
    client_for, draft_version, rep_a, secretariat
):
    for user in (None, rep_a):
        client = client_for(user)
        page(client, "/convention/v/2/", status=404)
        page(client, "/convention/v/2.json", status=404)
        assert 'href="/convention/v/2/"' not in page(client, "/convention/versions/")
    client = client_for(secretariat)
    html = page(client, "/convention/v/2/")
    assert "这是草案" in html and 'data-testid="adopt"' in html
    assert 'href="/convention/v/2/"' in page(client, "/convention/versions/")


def test_the_secretariat_sees_why_an_old_draft_cannot_be_adopted(
    client_for, secretariat, sample_bytes, seed_bytes
):
    make_version(sample_bytes, actor=secretariat)
    make_version(seed_bytes, actor=secretariat, adopt=False)
    make_version(seed_bytes, actor=secretariat)
    html = page(client_for(secretariat), "/convention/v/2/")
    assert "早于现行的第 3 版" in html and 'data-testid="adopt" disabled' in html


def test_the_pages_are_in_chinese_and_switch_to_english(client, seed_version):
    assert "<h2>目录</h2>" in page(client, "/convention/")
    client.post("/i18n/setlang/", {"language": "en", "next": "/convention/"})
    html = page(client, "/convention/")
    assert "<h2>Contents</h2>" in html and "Version 1" in html and "Rule settings" in html
    assert "第九条" in html  # the text of the convention stays as written


@pytest.mark.parametrize(
    "url",
    ["/convention/", "/convention/v/1/", "/convention/versions/", "/convention/diff/?from=1&to=2"],
)
def test_public_pages_render_in_a_constant_number_of_queries(
    client, amended_version, django_assert_max_num_queries, url
):
    # One for the notes attached to articles (interpretations, article_notes). A version other than the one in force also reads the articles of that one, to place the
    # rule settings beside its own articles.
    with django_assert_max_num_queries(5 if url == "/convention/v/1/" else 4):
        client.get(url)


def test_the_reader_costs_the_same_queries_for_a_short_and_a_long_text(
    client, db, secretariat, sample_bytes, seed_bytes
):
    make_version(sample_bytes, actor=secretariat)
    with CaptureQueriesContext(connection) as short:
        assert client.get("/convention/v/1/").status_code == 200
    make_version(seed_bytes, actor=secretariat)
    with CaptureQueriesContext(connection) as long:
        assert client.get("/convention/v/2/").status_code == 200
    assert len(short.captured_queries) == len(long.captured_queries)


@pytest.mark.parametrize(
    "url", ["/convention/", "/convention/v/2/", "/convention/versions/", "/convention/import/"]
)
def test_secretariat_pages_render_in_a_constant_number_of_queries(
    client_for, secretariat, draft_version, django_assert_max_num_queries, url
):
    client = client_for(secretariat)
    # One for the articles' notes; the draft's page also reads the articles of the version in force (see above).
    with django_assert_max_num_queries(8 if url == "/convention/v/2/" else 7):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("extension", ["txt", "json", "akn.xml"])
def test_downloads_take_two_queries(client, seed_version, django_assert_max_num_queries, extension):
    # JSON and Akoma Ntoso carry the articles' notes (interpretations): one query more.
    with django_assert_max_num_queries(3 if extension in ("json", "akn.xml") else 2):
        assert client.get(f"/convention/v/1.{extension}").status_code == 200
