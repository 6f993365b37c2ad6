"""With 2,000 units and 500 bulletins, the inbox and a bulletin's receipts page cost a fixed
number of queries, whatever the number of units, bulletins or receipts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gongyue.accounts.models import Role
from gongyue.bulletins.models import Bulletin, Receipt
from gongyue.core import testing
from gongyue.organisations.models import Unit
from gongyue.organisations.tests.test_scale import make_units


def make_bulletins(n: int, author, units) -> list[Bulletin]:
    now = timezone.now()
    bulletins = Bulletin.objects.bulk_create(
        Bulletin(
            title=f"通报{i:04d}",
            body="正文",
            body_html="<p>正文</p>",
            kind="notice",
            status="published",
            published_at=now - timedelta(hours=i),
            ack_required=i % 2 == 0,
            ack_days=10 if i % 2 == 0 else None,
            ack_due_at=now + timedelta(days=10) if i % 2 == 0 else None,
            created_by=author,
        )
        for i in range(n)
    )
    reader = testing.make_user(f"reader{Unit.objects.count()}", Role.UNIT_STAFF, unit=units[0])
    Receipt.objects.bulk_create(
        Receipt(
            bulletin=b,
            unit=u,
            read_at=now if (i + j) % 3 == 0 else None,
            read_by=reader if (i + j) % 3 == 0 else None,
        )
        for i, b in enumerate(bulletins[:2])
        for j, u in enumerate(units)
    )
    # Every bulletin reaches the first unit, whose inbox is measured.
    Receipt.objects.bulk_create(
        Receipt(bulletin=b, unit=units[0], read_at=now, read_by=reader) for b in bulletins[2:]
    )
    return bulletins


def measure(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


@pytest.mark.parametrize("size", [(20, 10), (2000, 500)], ids=["small", "large"])
def test_the_inbox_and_receipts_page_render_in_a_constant_number_of_queries(
    client_for, secretariat, size, django_assert_num_queries
):
    units_n, bulletins_n = size
    make_units(units_n)
    units = list(Unit.objects.order_by("pk"))
    bulletins = make_bulletins(bulletins_n, secretariat, units)
    person = testing.make_user("measured", Role.LEGAL_REP, unit=units[0])

    client = client_for(person)
    with django_assert_num_queries(INBOX_QUERIES):
        response = client.get("/bulletins/inbox/")
    assert len(response.context["page"].object_list) == min(50, bulletins_n)

    client = client_for(secretariat)
    with django_assert_num_queries(RECEIPTS_QUERIES):
        response = client.get(f"/bulletins/{bulletins[0].pk}/receipts/")
    assert len(response.context["rows"]) == units_n
    with django_assert_num_queries(MANAGE_QUERIES):
        client.get("/bulletins/manage/")


# Session, user, grants, then the page's own reads (counted once, here).
INBOX_QUERIES = 5
RECEIPTS_QUERIES = 5
MANAGE_QUERIES = 5
