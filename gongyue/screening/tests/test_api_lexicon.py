import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongyue.accounts.models import ApiToken
from gongyue.audit.models import AuditEntry
from gongyue.screening import lexicon as lexicon_module
from gongyue.screening.models import LexiconTerm, LexiconVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def sec_token(secretariat):
    return ApiToken.issue(secretariat, "lexicon")[1]


def counts():
    return LexiconTerm.objects.count(), LexiconVersion.objects.count(), AuditEntry.objects.count()


def test_the_secretariat_adds_changes_and_removes_a_term_each_publishing_a_version(
    api, sec_token, member_token
):
    added = api(
        "post",
        "/lexicon/terms",
        token=sec_token,
        json={
            "term": "冰毒",
            "category": "other",
            "action": "block",
            "severity": 4,
            "pinyin": True,
        },
    )
    assert added.status_code == 201
    body = added.json()
    term_id = body["term"]["id"]
    assert (body["lexicon_version"], body["term"]["key"], body["term"]["pinyin"]) == (
        1,
        "冰毒",
        True,
    )
    assert (
        api("post", "/screen", token=member_token, json={"text": "bingdu"}).json()["results"][0][
            "decision"
        ]
        == "block"
    )

    changed = api(
        "patch",
        f"/lexicon/terms/{term_id}",
        token=sec_token,
        json={"action": "review", "note": "降级"},
    )
    assert changed.status_code == 200
    assert (
        changed.json()["term"]["action"],
        changed.json()["term"]["severity"],
        changed.json()["lexicon_version"],
    ) == ("review", 4, 2)
    assert LexiconVersion.objects.get(number=2).note == "降级"

    removed = api("delete", f"/lexicon/terms/{term_id}", token=sec_token)
    assert removed.status_code == 200 and removed.json()["term"]["is_active"] is False
    assert (
        api("post", "/screen", token=member_token, json={"text": "冰毒"}).json()["results"][0][
            "decision"
        ]
        == "pass"
    )

    history = api("get", f"/lexicon/terms/{term_id}/history", token=sec_token).json()
    assert [(h["lexicon_version"], h["kind"]) for h in history] == [
        (3, "removed"),
        (2, "changed"),
        (1, "added"),
    ]
    assert history[1]["old"]["action"] == "block" and history[1]["new"]["action"] == "review"
    assert history[0]["actor"] == "sec"

    versions = api("get", "/lexicon/versions", token=sec_token).json()
    assert [
        (v["number"], v["term_count"], v["added"], v["changed"], v["removed"]) for v in versions
    ] == [(3, 0, 0, 0, 1), (2, 1, 0, 1, 0), (1, 1, 1, 0, 0)]


def test_invalid_terms_are_400_naming_the_field_and_change_nothing(api, sec_token):
    before = counts()
    cases = [
        ({"term": "★ ！", "category": "other", "action": "block"}, "term"),
        ({"term": "冰毒", "category": "drugs", "action": "block"}, "category"),
        ({"term": "冰毒", "category": "other", "action": "delete"}, "action"),
        ({"term": "冰毒", "category": "other", "action": "block", "severity": 9}, "severity"),
        ({"term": "", "category": "other", "action": "block"}, "term"),
    ]
    for payload, field in cases:
        response = api("post", "/lexicon/terms", token=sec_token, json=payload)
        assert response.status_code == 400, payload
        assert field in response.json()["fields"], payload
    assert counts() == before


def test_a_duplicate_term_is_409(api, sec_token, add_term):
    add_term("冰毒")
    response = api(
        "post",
        "/lexicon/terms",
        token=sec_token,
        json={"term": "冰 毒", "category": "other", "action": "block"},
    )
    assert response.status_code == 409 and response.json()["code"] == "duplicate"
    assert response.json()["fields"] == {"term": ["词库中已有该词条，写作 冰毒。"]}


def test_terms_are_listed_with_search_and_filters(api, sec_token, add_term, secretariat):
    from gongyue.screening import actions

    add_term("冰毒")
    add_term("代開發票", category="fraud", action="review")
    gone = add_term("裸聊", category="pornography")
    actions.do_remove_term(gone, actor=secretariat)

    def terms(**query):
        return [t["term"] for t in api("get", "/lexicon/terms", token=sec_token, data=query).json()]

    assert terms() == ["代開發票", "冰毒"]
    assert terms(q="代开") == ["代開發票"]  # by normalised form: simplified finds traditional
    assert terms(category="fraud") == ["代開發票"]
    assert terms(action="block") == ["冰毒"]
    assert terms(state="removed") == ["裸聊"]
    assert len(terms(state="all")) == 3
    assert terms(limit=1, offset=1) == ["冰毒"]


def test_allowed_phrases_are_managed_through_the_api(api, sec_token, member_token, add_term):
    add_term("冰毒")
    added = api("post", "/lexicon/allow", token=sec_token, json={"phrase": "冰毒危害"})
    assert added.status_code == 201 and added.json()["lexicon_version"] == 2
    assert (
        api("post", "/screen", token=member_token, json={"text": "冰毒危害"}).json()["results"][0][
            "decision"
        ]
        == "pass"
    )
    assert [p["phrase"] for p in api("get", "/lexicon/allow", token=sec_token).json()] == [
        "冰毒危害"
    ]
    assert api("post", "/lexicon/allow", token=sec_token, json={"phrase": "。"}).status_code == 400

    removed = api("delete", f"/lexicon/allow/{added.json()['phrase']['id']}", token=sec_token)
    assert removed.status_code == 200 and removed.json()["phrase"]["is_active"] is False


def upload(api, token, data: bytes, **fields):
    return api(
        "post",
        "/lexicon/import",
        token=token,
        data={"file": SimpleUploadedFile("lexicon.csv", data, "text/csv"), **fields},
    )


CSV = "term,category,action,severity\n冰毒,other,block,5\n代開發票,fraud,review,2\n冰毒危害,,allow,\n".encode()


def test_a_csv_import_publishes_one_version_and_the_export_gives_it_back(
    api, sec_token, member_token, add_term
):
    add_term("裸聊", category="pornography")

    dry = upload(api, sec_token, CSV, mode="replace", dry_run="true")
    assert dry.status_code == 200
    assert (
        dry.json()["dry_run"],
        dry.json()["added"],
        dry.json()["removed"],
        dry.json()["lexicon_version"],
    ) == (True, 2, 1, 1)
    assert LexiconVersion.objects.count() == 1

    done = upload(api, sec_token, CSV, mode="replace", note="年度更新")
    assert done.status_code == 201
    body = done.json()
    assert (
        body["lexicon_version"],
        body["term_count"],
        body["removed"],
        body["phrases_added"],
    ) == (2, 2, 1, 1)
    assert body["sha256"] == dry.json()["sha256"]
    assert (
        api("post", "/screen", token=member_token, json={"text": "代开发票"}).json()[
            "lexicon_version"
        ]
        == 2
    )

    export = api("get", "/lexicon/export", token=sec_token)
    assert export.status_code == 200 and export["Content-Type"] == "text/csv; charset=utf-8"
    assert export["X-Lexicon-Version"] == "2" and export["Cache-Control"] == "private, no-store"
    assert lexicon_module.sha256(export.content) == body["sha256"] == export["X-Content-SHA256"]


@pytest.mark.parametrize(
    ("data", "first"),
    [
        (b"", "所提交的是空文件。"),
        (b"term,category,action\n", "没有词条：文件有表头但没有词条行"),
        (
            "term,category,action\n冰毒,other,block\n".encode() + b"\xc3\x28,other,block\n",
            "不是有效的 UTF-8（第 40 字节，第 3 行）；请将文件另存为 UTF-8",
        ),
        (
            "term,category,action\n冰毒,other,block\n“”,other,block\n".encode(),
            "第 3 行：词条 '“”' 规范化后为空（只有空格、标点、符号或不可见字符）",
        ),
    ],
    ids=["empty", "header-only", "utf8", "nothing-left"],
)
def test_a_bad_csv_is_400_with_problems_by_row_and_the_version_in_service_stays(
    api, sec_token, member_token, add_term, data, first
):
    add_term("裸聊", category="pornography")
    before = counts()

    response = upload(api, sec_token, data, mode="replace")

    assert response.status_code == 400
    assert response.json()["fields"]["file"][0] == first
    assert counts() == before
    screened = api("post", "/screen", token=member_token, json={"text": "裸聊"}).json()
    assert (screened["lexicon_version"], screened["results"][0]["decision"]) == (1, "block")


def test_every_problem_of_a_malformed_csv_is_listed_by_row(api, sec_token):
    data = "term,category,action,severity\n冰毒,other,block,1\n赌博,gambling,burn,1\n裸聊,porn,block,x\n".encode()
    response = upload(api, sec_token, data)
    assert response.json()["fields"]["file"] == [
        "第 3 行：未知的处理方式 'burn'（应为 block, review, mask, allow 之一）",
        "第 4 行：严重程度 'x' 不是整数",
    ]


def test_anonymous_callers_get_401_and_members_403_from_the_lexicon_endpoints(
    api, member_token, add_term
):
    term = add_term("冰毒")
    calls = [
        ("get", "/lexicon/terms"),
        ("post", "/lexicon/terms"),
        ("get", f"/lexicon/terms/{term.pk}"),
        ("patch", f"/lexicon/terms/{term.pk}"),
        ("delete", f"/lexicon/terms/{term.pk}"),
        ("get", f"/lexicon/terms/{term.pk}/history"),
        ("get", "/lexicon/terms/999999/history"),
        ("get", "/lexicon/allow"),
        ("post", "/lexicon/allow"),
        ("get", "/lexicon/export"),
        ("get", "/lexicon/versions"),
        ("post", "/lexicon/import"),
    ]
    for method, path in calls:
        anonymous = api(
            method, path, json={"term": "x", "category": "other", "action": "block", "phrase": "x"}
        )
        assert anonymous.status_code == 401, (method, path)
        member = api(
            method,
            path,
            token=member_token,
            json={"term": "x", "category": "other", "action": "block", "phrase": "x"},
        )
        assert member.status_code in (403, 422), (method, path)
        if member.status_code == 403:
            assert member.json()["code"] == "forbidden"
    assert LexiconTerm.objects.get().is_active


def test_a_missing_term_is_404_for_the_secretariat(api, sec_token):
    assert api("get", "/lexicon/terms/999999", token=sec_token).status_code == 404


def test_lexicon_reads_take_a_constant_number_of_queries(
    api, sec_token, add_term, secretariat, django_assert_max_num_queries
):
    from gongyue.screening import actions

    terms = [add_term(word) for word in ["冰毒", "赌博", "裸聊", "木马"]]
    actions.do_change_term(terms[0], actor=secretariat, severity=3)
    actions.do_remove_term(terms[1], actor=secretariat)
    for path in [
        "/lexicon/terms",
        "/lexicon/terms?state=all",
        f"/lexicon/terms/{terms[0].pk}",
        f"/lexicon/terms/{terms[0].pk}/history",
        "/lexicon/allow",
        "/lexicon/versions",
        "/lexicon/export",
    ]:
        api("get", path, token=sec_token)
        # The token, the role grants, and at most three of the endpoint's own.
        with django_assert_max_num_queries(5):
            assert api("get", path, token=sec_token).status_code == 200, path


def test_the_openapi_document_describes_the_screening_endpoints(client):
    document = client.get("/api/v1/openapi.json").json()
    screen = document["paths"]["/api/v1/screening/screen"]["post"]
    assert screen["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ScreenOut"
    }
    assert {"/api/v1/screening/screen/batch", "/api/v1/screening/lexicon/import"} <= set(
        document["paths"]
    )
