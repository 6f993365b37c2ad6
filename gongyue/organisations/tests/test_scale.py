"""The directory and the list pages cost a fixed number of queries, whatever the number of units."""

from datetime import date, timedelta

import pytest

from gongyue.convention.models import Convention
from gongyue.core.deadlines import start_of_day
from gongyue.organisations import actions
from gongyue.organisations.models import JoinedBy, Membership, Unit, UnitCategory
from gongyue.organisations.periods import period_from_key

from .conftest import make_convention

CITIES = ["南昌", "九江", "赣州", "上饶", "宜春"]
CATEGORIES = [
    "info_service",
    "access_provider",
    "venue_operator",
    "product_maker",
    "research_education",
    "other",
]


def make_units(n: int) -> None:
    """`n` member units that joined during 2025-Q1, each with two categories."""
    units = Unit.objects.bulk_create(
        Unit(
            name=f"测试单位{i:05d}有限公司",
            uscc=None,
            city=CITIES[i % 5],
            icp_numbers=[f"赣ICP备{20210000 + i:08d}号"],
        )
        for i in range(n)
    )
    UnitCategory.objects.bulk_create(
        UnitCategory(unit=u, code=code)
        for i, u in enumerate(units)
        for code in (CATEGORIES[i % 6], CATEGORIES[(i + 1) % 6])
    )
    Membership.objects.bulk_create(
        Membership(
            unit=u,
            started_at=start_of_day(date(2025, 1, 1) + timedelta(days=i % 90)),
            joined_by=JoinedBy.IMPORT,
        )
        for i, u in enumerate(units)
    )


@pytest.fixture
def many_units(db):
    make_units(2000)


DIRECTORY_URLS = [
    "/members/",
    "/members/?page=7",
    "/members/?q=测试单位0001",
    "/members/?category=other&city=赣州",
]


@pytest.mark.parametrize("url", DIRECTORY_URLS)
def test_the_directory_of_2000_units_renders_in_a_constant_number_of_queries(
    client, many_units, url, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert response.status_code == 200


def test_the_directory_query_count_does_not_grow_with_the_number_of_units(
    client, db, django_assert_num_queries
):
    make_units(20)
    with django_assert_num_queries(5) as few:
        client.get("/members/")
    make_units(1000)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/members/")


def test_the_list_pages_with_2000_units_render_in_a_constant_number_of_queries(
    client, many_units, secretariat, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        provisional = client.get("/members/lists/2025-Q1/")
    assert len(provisional.context["sheet"].joined) == 2000
    make_convention(effective=True)
    Convention.objects.update(effective_at=start_of_day(date(2025, 1, 1)))
    record = actions.do_publish_register(period_from_key("2025-Q1"), actor=secretariat)
    for url in [
        "/members/lists/2025-Q1/",
        f"/members/lists/records/{record.pk}/",
        "/members/lists/2025-Q1/list.csv",
        "/members/lists/2025-Q1/list.json",
        "/members/lists/feed/",
        "/members/lists/",
    ]:
        with django_assert_max_num_queries(4):
            response = client.get(url)
        assert response.status_code == 200, url
