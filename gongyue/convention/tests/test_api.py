import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongyue.accounts.models import ApiToken
from gongyue.audit.models import AuditEntry
from gongyue.convention.canonical import canonical_text
from gongyue.convention.models import Convention, Version, VersionStatus
from gongyue.convention.parser import ParsedConvention

API = "/api/v1/convention"


def error_format(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == code
    return body


def bearer(user):
    _, secret = ApiToken.issue(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_the_current_version_comes_with_the_lifecycle_dates_and_rule_settings(client, seed_version):
    body = client.get(f"{API}/current").json()
    assert body["version"]["number"] == 1 and body["version"]["status"] == "adopted"
    assert body["version"]["sha256"] == seed_version.sha256 and body["version"]["articles"] == 30
    assert body["version"]["downloads"] == {
        "html": "/convention/v/1/",
        "txt": "/convention/v/1.txt",
        "json": "/convention/v/1.json",
        "pdf": "/convention/v/1.pdf",
        "akn": "/convention/v/1.akn.xml",
    }
    convention = body["convention"]
    assert convention["title"] == "江西省互联网行业自律公约" and convention["effective_at"] is None
    rule = next(r for r in convention["rules"] if r["key"] == "publication_days")
    assert (rule["value"], rule["article"]) == (30, 25)


def test_there_is_no_current_version_before_one_is_adopted(client, db, secretariat, sample_bytes):
    error_format(client.get(f"{API}/current"), 404, "not_found")
    from gongyue.convention.testing import make_version

    make_version(sample_bytes, actor=secretariat, adopt=False)
    body = error_format(client.get(f"{API}/current"), 404, "not_found")
    assert body["message"] == "公约尚无已通过的版本。"


def test_the_versions_list_hides_drafts_from_all_but_the_secretariat(
    client, draft_version, secretariat
):
    assert [v["number"] for v in client.get(f"{API}/versions").json()] == [1]
    listed = client.get(f"{API}/versions", **bearer(secretariat)).json()
    assert [(v["number"], v["status"], v["articles"]) for v in listed] == [
        (2, "draft", 30),
        (1, "adopted", 30),
    ]


def test_a_version_structure_is_the_parser_shape_with_identities_and_metadata(client, seed_version):
    body = client.get(f"{API}/versions/1").json()
    assert body["version"]["canonical_format"] == "gongyue-canonical-text/1"
    assert list(body) == ["version", "title", "chapters", "sections", "articles", "closing"]
    nine = body["articles"][8]
    assert (
        nine["number"] == 9
        and nine["identity"] == seed_version.structure["articles"][8]["identity"]
    )
    assert [item["number"] for item in nine["paragraphs"][0]["items"]] == [1, 2, 3, 4]
    assert canonical_text(ParsedConvention.from_dict(body)) == seed_version.canonical_text


def test_a_version_text_is_the_canonical_text(client, seed_version):
    response = client.get(f"{API}/versions/1/text")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert hashlib.sha256(response.content).hexdigest() == seed_version.sha256


@pytest.mark.parametrize(
    "path", ["/versions/9", "/versions/9/text", "/versions/2", "/versions/2/text"]
)
def test_an_unknown_or_invisible_version_is_not_found(client, draft_version, path):
    error_format(client.get(API + path), 404, "not_found")


def test_the_diff_reports_each_article_with_character_marks(client, amended_version):
    body = client.get(f"{API}/diff", {"from": 1, "to": 2}).json()
    assert body["from_version"]["number"] == 1 and body["to_version"]["number"] == 2
    assert body["counts"] == {
        "changed": 1,
        "added": 0,
        "removed": 0,
        "renumbered": 0,
        "unchanged": 29,
    }
    [changed] = [a for a in body["articles"] if a["kind"] == "changed"]
    assert (changed["old_number"], changed["new_number"]) == (9, 9)
    assert ["insert", "、不推荐"] in changed["segments"]
    assert "<ins>、不推荐</ins>" in changed["html"]


def test_a_diff_of_a_version_with_itself_is_a_400_with_a_clear_message(client, amended_version):
    body = error_format(client.get(f"{API}/diff", {"from": 2, "to": 2}), 400, "invalid")
    assert body["fields"] == {"to": ["请选择两个不同的版本：同一版本与自身比较没有差异。"]}


def test_a_diff_with_an_unknown_version_names_the_field(client, amended_version):
    body = error_format(client.get(f"{API}/diff", {"from": 9, "to": 2}), 400, "invalid")
    assert body["fields"] == {"from": ["没有第 9 版。"]}
    error_format(client.get(f"{API}/diff", {"from": "x", "to": 2}), 422, "invalid")


def post_file(client, data, name="convention.txt", **extra):
    return client.post(
        f"{API}/versions",
        {"file": SimpleUploadedFile(name, data, "text/plain"), "note": "API"},
        **extra,
    )


def test_the_secretariat_imports_a_draft_through_the_api(client, secretariat, seed_bytes):
    response = post_file(client, seed_bytes, name="seed.txt", **bearer(secretariat))
    assert response.status_code == 201
    body = response.json()
    assert (body["number"], body["status"], body["note"], body["articles"]) == (
        1,
        "draft",
        "API",
        30,
    )
    version = Version.objects.get()
    assert version.source_name == "seed.txt" and version.created_by == secretariat
    assert AuditEntry.objects.filter(
        action="convention.version_imported", actor=secretariat
    ).exists()


def test_a_bad_file_gets_each_problem_with_its_line_in_the_file_field(client, secretariat):
    data = "公约\n第一条 甲。\n第一条 乙。\n第三条 丙。\n".encode()
    response = post_file(client, data, HTTP_ACCEPT_LANGUAGE="en", **bearer(secretariat))
    body = error_format(response, 400, "invalid")
    assert body["fields"] == {
        "file": [
            "line 3: 第一条 appears twice (first on line 2)",
            "line 4: found 第三条 where 第二条 was expected (a gap)",
        ]
    }
    assert not Version.objects.exists() and not Convention.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("第一条 甲。".encode("gbk"), "第 1 行：不是有效的 UTF-8"),
        (b"", "所提交的是空文件。"),
        (b"x" * (20 * 1024 * 1024), "文件大小为 20.0\xa0MB，上限为 10.0\xa0MB。"),
    ],
    ids=["not-utf8", "empty", "20-mb"],
)
def test_a_file_the_platform_cannot_read_is_refused_with_a_message_for_the_file_field(
    client, secretariat, data, message
):
    body = error_format(post_file(client, data, **bearer(secretariat)), 400, "invalid")
    assert any(m.startswith(message) for m in body["fields"]["file"])
    assert not Version.objects.exists() and not AuditEntry.objects.exists()


def test_a_missing_file_is_a_validation_error(client, secretariat):
    response = client.post(f"{API}/versions", {"note": "x"}, **bearer(secretariat))
    assert error_format(response, 422, "invalid")["fields"].keys() == {"file"}


def test_importing_needs_a_login_and_the_secretariat_role(client, rep_a, authority, seed_bytes):
    error_format(post_file(client, seed_bytes), 401, "unauthenticated")
    for person in (rep_a, authority):
        error_format(post_file(client, seed_bytes, **bearer(person)), 403, "forbidden")
    assert not Version.objects.exists()


def test_the_secretariat_head_adopts_a_draft_through_the_api(
    client, secretariat_head, draft_version
):
    response = client.post(
        f"{API}/versions/2/adopt",
        {"confirm": True},
        content_type="application/json",
        **bearer(secretariat_head),
    )
    assert response.status_code == 200 and response.json()["status"] == "adopted"
    assert client.get(f"{API}/current").json()["version"]["number"] == 2
    assert Version.objects.get(number=1).status == VersionStatus.SUPERSEDED


def test_adopting_a_version_that_is_not_a_draft_is_a_conflict(
    client, secretariat_head, seed_version
):
    body = error_format(
        client.post(
            f"{API}/versions/1/adopt",
            {"confirm": True},
            content_type="application/json",
            **bearer(secretariat_head),
        ),
        409,
        "cannot_adopt",
    )
    assert "只有草案可以通过" in body["message"]


def test_adopting_and_discarding_need_the_secretariat(client, rep_a, draft_version):
    for action in ("adopt", "discard"):
        error_format(client.post(f"{API}/versions/2/{action}"), 401, "unauthenticated")
        error_format(client.post(f"{API}/versions/2/{action}", **bearer(rep_a)), 404, "not_found")
        error_format(client.post(f"{API}/versions/1/{action}", **bearer(rep_a)), 403, "forbidden")
        error_format(client.post(f"{API}/versions/9/{action}", **bearer(rep_a)), 404, "not_found")
    draft_version.refresh_from_db()
    assert draft_version.status == VersionStatus.DRAFT


def test_the_secretariat_discards_a_draft_through_the_api(client, secretariat, draft_version):
    response = client.post(f"{API}/versions/2/discard", **bearer(secretariat))
    assert response.status_code == 200 and response.json()["status"] == "discarded"
    assert [v["number"] for v in client.get(f"{API}/versions").json()] == [1]


def test_the_openapi_document_lists_the_convention_endpoints(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in [
        "/current",
        "/versions",
        "/versions/{number}",
        "/versions/{number}/text",
        "/diff",
        "/versions/{number}/adopt",
        "/versions/{number}/discard",
    ]:
        assert f"{API}{path}" in paths
    assert {"get", "post"} <= set(paths[f"{API}/versions"])
    assert [p["name"] for p in paths[f"{API}/diff"]["get"]["parameters"]] == ["from", "to"]


def test_api_reads_take_a_constant_number_of_queries(
    client, amended_version, django_assert_max_num_queries
):
    for url in ["/current", "/versions", "/versions/1", "/diff?from=1&to=2"]:
        with django_assert_max_num_queries(3):
            assert client.get(API + url).status_code == 200
