"""Interpretations (Art. 29): published by the executing body alone, beside the articles they
interpret in the reader, the JSON and Akoma Ntoso exports and the API; superseded, never edited."""

import json

import pytest

from gongyue.amendments import actions
from gongyue.amendments.models import Interpretation
from gongyue.audit.models import AuditEntry
from gongyue.convention.models import Convention
from gongyue.convention.testing import SAMPLE_V2, make_version
from gongyue.core.errors import ActionRefused


def interpret(actor, numbers=(5,), **extra):
    return actions.do_publish_interpretation(
        Convention.objects.current(),
        actor=actor,
        title="关于第五条“违法和不良信息”的解释",
        text="本条所称不良信息，是指……",
        article_numbers=numbers,
        **extra,
    )


def test_an_interpretation_is_shown_beside_its_article_in_the_reader_and_the_exports(
    client_for, secretariat, version, django_assert_max_num_queries
):
    found = interpret(secretariat)
    entry = AuditEntry.objects.get(action="amendments.interpretation_published")
    assert entry.new["articles"] == [5] and entry.new["number"] == 1
    html = client_for(None).get(f"/convention/v/{version.number}/").content.decode()
    article = html[html.index('id="art-5"') : html.index('id="art-6"')]
    assert "关于第五条“违法和不良信息”的解释" in article and 'data-note="interpretation"' in article
    assert "关于第五条" not in html[html.index('id="art-6"') :]
    data = json.loads(client_for(None).get(f"/convention/v/{version.number}.json").content)
    noted = [a for a in data["articles"] if a.get("notes")]
    assert [a["number"] for a in noted] == [5]
    assert noted[0]["notes"][0]["number"] == found.number
    akn = client_for(None).get(f"/convention/v/{version.number}.akn.xml").content.decode()
    assert 'refersTo="#art_5"' in akn and "本条所称不良信息" in akn


def test_it_follows_its_article_into_a_new_version_by_identity(client_for, secretariat, version):
    interpret(secretariat, numbers=(5,))
    # A second version as the founding procedure made it, before the convention took effect.
    Convention.objects.update(effective_at=None)
    new = make_version(SAMPLE_V2.read_bytes())
    assert new.number == version.number + 1
    moved = new.articles.get(identity=version.articles.get(number=5).identity)
    html = client_for(None).get(f"/convention/v/{new.number}/").content.decode()
    start = html.index(f'id="art-{moved.number}"')
    assert "关于第五条“违法和不良信息”的解释" in html[start : start + 3000]


def test_a_later_interpretation_supersedes_an_earlier_which_is_never_edited(
    client_for, secretariat, version
):
    first = interpret(secretariat)
    second = interpret(secretariat, supersedes=first)
    assert second.number == 2 and second.supersedes == first
    with pytest.raises(ValueError):
        first.title = "改"
        first.save()
    with pytest.raises(ActionRefused, match="already been superseded"):
        interpret(secretariat, supersedes=first)
    api = client_for(None).get(f"/api/v1/amendments/interpretations/{first.pk}").json()
    assert api["superseded_by"] == 2


def test_only_the_secretariat_interprets_and_bad_articles_change_nothing(
    client_for, secretariat, rep_a, version
):
    assert client_for(rep_a).get("/amendments/interpretations/new/").status_code == 403
    refused = client_for(rep_a).post(
        "/api/v1/amendments/interpretations",
        {"title": "t", "text": "x", "articles": [5]},
        content_type="application/json",
    )
    assert refused.status_code == 403
    page = client_for(secretariat).post(
        "/amendments/interpretations/new/", {"title": "t", "text": "x", "articles": "5, 99"}
    )
    assert page.status_code == 400 and "99" in page.content.decode()
    api = client_for(secretariat).post(
        "/api/v1/amendments/interpretations",
        {"title": "t", "text": "x", "articles": [], "supersedes": 7},
        content_type="application/json",
    )
    assert api.status_code == 400 and "articles" in api.json()["fields"]
    assert not Interpretation.objects.exists()


def test_the_secretariat_publishes_through_the_page(client_for, secretariat, version):
    response = client_for(secretariat).post(
        "/amendments/interpretations/new/",
        {"title": "解释", "text": "内容", "articles": "3，5"},
    )
    found = Interpretation.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/amendments/interpretations/{found.pk}/"
    )
    assert sorted(found.articles.values_list("appearances__number", flat=True)) == [3, 5]


def test_the_reader_takes_the_same_number_of_queries_with_interpretations(
    client_for, secretariat, version, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(None)
    interpret(secretariat, numbers=(5,))
    with CaptureQueriesContext(connection) as one:
        client.get(f"/convention/v/{version.number}/")
    for numbers in ((3, 5), (1,), (2, 4), (6, 7, 8)):
        interpret(secretariat, numbers=numbers)
    with django_assert_num_queries(len(one)):
        client.get(f"/convention/v/{version.number}/")
