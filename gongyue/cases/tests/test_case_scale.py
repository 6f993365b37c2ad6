"""The case page renders in a constant number of queries, whatever its history and files."""

from django.core.files.base import ContentFile

from gongyue.audit.log import record
from gongyue.audit.models import Visibility
from gongyue.cases.events import CaseEvent
from gongyue.cases.models import CaseFile

from .case_fixtures import *  # noqa: F403
from .case_fixtures import PDF_BYTES, client_as


def grow(case, person, events: int, files: int):
    for _ in range(events):
        record(
            CaseEvent.CASE_ASSIGNED, actor=person, subject=case, visibility=Visibility.SECRETARIAT
        )
    for i in range(files):
        f = CaseFile(
            case=case,
            role="evidence",
            uploaded_by=person,
            name=f"{i}.pdf",
            kind="pdf",
            size=len(PDF_BYTES),
        )
        f.file.save("x.pdf", ContentFile(PDF_BYTES, name="x.pdf"), save=False)
        f.save()


def count_queries(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_case_page_takes_the_same_queries_with_200_events_and_50_files(
    replied, secretariat, rep_b, django_assert_max_num_queries
):
    url = f"/cases/{replied.pk}/"
    staff, accused = client_as(secretariat), client_as(rep_b)
    small = {
        who: count_queries(c, url, django_assert_max_num_queries, 60)
        for who, c in (("staff", staff), ("accused", accused))
    }
    grow(replied, secretariat, events=200, files=50)
    for who, c in (("staff", staff), ("accused", accused)):
        assert count_queries(c, url, django_assert_max_num_queries, small[who]) == small[who]
    page = staff.get(url).content.decode()
    assert page.count("<li>") >= 250
