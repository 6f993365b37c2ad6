from datetime import date

from gongyue.core import testing
from gongyue.organisations.models import UnitCategory

from .conftest import make_member

API = "/api/v1/members"


def setup_members(unit_a, unit_b):
    UnitCategory.objects.create(unit=unit_a, code="info_service")
    UnitCategory.objects.create(unit=unit_b, code="access_provider")
    unit_a.icp_numbers, unit_a.websites = ["赣ICP备2021003257号-1"], ["https://ganjiang.example.cn"]
    unit_a.save()
    make_member(unit_a, date(2025, 1, 10))
    make_member(unit_b, date(2025, 3, 1))
    applicant_unit = testing.make_unit("只是申请人有限公司", "91350100M000100Y43", city="南昌")
    return applicant_unit


def test_anyone_browses_the_members_as_of_today(client, unit_a, unit_b):
    applicant_unit = setup_members(unit_a, unit_b)
    page = client.get("/members/").content.decode()
    assert unit_a.name in page and unit_b.name in page and applicant_unit.name not in page
    assert "2025-01-10" in page


def test_the_directory_searches_by_name_and_filters_by_category_and_city(client, unit_a, unit_b):
    setup_members(unit_a, unit_b)
    assert [u.pk for u in client.get("/members/?q=赣江").context["page"]] == [unit_a.pk]
    assert [u.pk for u in client.get("/members/?category=access_provider").context["page"]] == [
        unit_b.pk
    ]
    assert [u.pk for u in client.get("/members/?city=南昌").context["page"]] == [unit_a.pk]
    assert client.get("/members/").context["cities"] == ["九江", "南昌"]


def test_a_units_public_page_shows_what_it_does_since_when_and_what_it_signed(
    client, unit_a, unit_b
):
    applicant_unit = setup_members(unit_a, unit_b)
    page = client.get(f"/members/units/{unit_a.pk}/").content.decode()
    assert (
        "赣ICP备2021003257号-1" in page and "https://ganjiang.example.cn" in page and "2025" in page
    )
    assert client.get(f"/members/units/{applicant_unit.pk}/").status_code == 404


def test_the_directory_api_is_public_and_paginated(client, unit_a, unit_b):
    setup_members(unit_a, unit_b)
    body = client.get(f"{API}/directory?category=info_service").json()
    assert body["count"] == 1 and body["results"][0]["name"] == unit_a.name
    assert body["results"][0]["categories"] == ["info_service"]
    unit = client.get(f"{API}/directory/{unit_a.pk}").json()
    assert unit["memberships"][0]["joined_by"] == "import" and unit["member_since"]
    bad = client.get(f"{API}/directory?category=nonsense")
    assert bad.status_code == 400 and "category" in bad.json()["fields"]
