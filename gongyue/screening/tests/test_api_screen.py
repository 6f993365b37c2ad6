import json

import pytest

from gongyue.accounts.models import ApiToken
from gongyue.core import testing
from gongyue.screening import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def lexicon(secretariat, add_term):
    add_term("冰毒", severity=5, pinyin=True)
    add_term("代開發票", category="fraud", action="review", severity=3)
    add_term("广告", action="mask")
    actions.do_add_allow_phrase(actor=secretariat, phrase="冰毒危害")


def nothing_changed():
    """Every table's row count: a refused request writes nothing anywhere."""
    return testing.table_counts()


def test_a_member_screens_one_text_and_gets_the_decision_and_every_match_with_original_offsets(
    api, member_token, lexicon
):
    response = api(
        "post",
        "/screen",
        token=member_token,
        json={"text": "诚信 代 开 发 票！卖 B i n g D u，宣传冰毒危害"},
    )

    assert response.status_code == 200
    assert response.json() == {
        "lexicon_version": 4,
        "results": [{
            "id": None,
            "decision": "block",
            "matches": [
                {"category": "fraud", "action": "review", "severity": 3, "start": 3, "end": 10,
                 "text": "代 开 发 票"},
                {"category": "other", "action": "block", "severity": 5, "start": 13, "end": 24,
                 "text": "B i n g D u"},
            ],
            "truncated": False,
        }],
    }  # fmt: skip
    text = "诚信 代 开 发 票！卖 B i n g D u，宣传冰毒危害"
    assert text[3:10] == "代 开 发 票" and text[13:24] == "B i n g D u"


def test_a_clean_text_passes(api, member_token, lexicon):
    body = api("post", "/screen", token=member_token, json={"text": "今天天气很好"}).json()
    assert body["results"] == [{"id": None, "decision": "pass", "matches": [], "truncated": False}]


def test_masking_replaces_each_matched_character_with_a_full_width_asterisk(
    api, member_token, lexicon
):
    body = api(
        "post", "/screen", token=member_token, json={"text": "买冰 毒送广告", "mask": True}
    ).json()
    assert body["results"][0]["masked"] == "买＊＊＊送＊＊"
    clean = api("post", "/screen", token=member_token, json={"text": "你好", "mask": True}).json()
    assert clean["results"][0]["masked"] == "你好"


def test_offsets_can_be_given_in_utf16_units_for_javascript_or_utf8_bytes(
    api, member_token, lexicon
):
    text = "😀𝐀冰毒"  # two characters outside the BMP before the match
    by_unit = {}
    for unit in ("code_points", "utf16", "utf8"):
        match = api(
            "post", "/screen", token=member_token, json={"text": text, "offsets": unit}
        ).json()["results"][0]["matches"][0]
        by_unit[unit] = (match["start"], match["end"])
    assert by_unit == {"code_points": (2, 4), "utf16": (4, 6), "utf8": (8, 14)}
    assert text.encode("utf-16-le")[8:12].decode("utf-16-le") == "冰毒"
    assert text.encode()[8:14].decode() == "冰毒"


def test_a_batch_returns_one_result_per_post_in_order_with_its_id(api, member_token, lexicon):
    posts = [{"id": "a", "text": "冰毒"}, {"text": "你好"}, {"id": "c", "text": "打广告"}]

    body = api(
        "post", "/screen/batch", token=member_token, json={"posts": posts, "mask": True}
    ).json()

    assert [(r["id"], r["decision"], r["masked"]) for r in body["results"]] == [
        ("a", "block", "＊＊"),
        (None, "pass", "你好"),
        ("c", "mask", "打＊＊"),
    ]
    assert body["results"][2]["matches"][0]["start"] == 1


def test_a_batch_of_the_maximum_size_is_screened(api, member_token, lexicon, settings):
    posts = [
        {"id": str(i), "text": "冰毒" if i % 2 else "你好"}
        for i in range(settings.SCREENING_MAX_BATCH)
    ]

    body = api("post", "/screen/batch", token=member_token, json={"posts": posts}).json()

    assert len(body["results"]) == 1000
    assert [r["decision"] for r in body["results"][:4]] == ["pass", "block", "pass", "block"]


def test_the_secretariat_may_screen_too(api, secretariat, lexicon):
    _token, secret = ApiToken.issue(secretariat, "test")
    assert api("post", "/screen", token=secret, json={"text": "冰毒"}).status_code == 200


def test_the_browser_session_of_a_member_works_as_well(client_for, rep_a, lexicon):
    client = client_for(rep_a)
    response = client.post(
        "/api/v1/screening/screen", {"text": "冰毒"}, content_type="application/json"
    )
    assert response.status_code == 200


def test_without_a_token_the_answer_is_401_in_the_error_format(api, lexicon):
    response = api("post", "/screen", json={"text": "冰毒"})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert api("post", "/screen", token="gy_wrong", json={"text": "冰毒"}).status_code == 401


def test_someone_outside_any_unit_or_the_secretariat_gets_403(
    api, no_unit_user, authority, lexicon
):
    for person in (no_unit_user, authority):
        _token, secret = ApiToken.issue(person, "test")
        response = api("post", "/screen", token=secret, json={"text": "冰毒"})
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


def test_an_empty_text_is_400_naming_the_field(api, member_token, lexicon):
    before = nothing_changed()
    response = api("post", "/screen", token=member_token, json={"text": ""})
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "文本为空；请发送要筛查的文本。",
        "fields": {"text": ["文本为空；请发送要筛查的文本。"]},
    }
    assert nothing_changed() == before


def test_messages_are_in_english_for_an_english_client(api, member_token, client):
    client.cookies["django_language"] = "en"
    response = api("post", "/screen", token=member_token, json={"text": ""})
    assert response.json()["message"] == "The text is empty; send the text to screen."


def test_a_ten_megabyte_text_is_refused_with_413_and_the_limit(api, member_token, lexicon):
    before = nothing_changed()
    text = "冰" * (10 * 1024 * 1024 // 3)
    response = api("post", "/screen", token=member_token, json={"text": text})
    assert nothing_changed() == before
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "too_large"
    assert body["fields"]["text"] == ["文本有 3,495,253 个字符，上限为 65,536 个。"]


def test_a_body_over_the_upload_limit_is_refused_before_it_is_read(api, member_token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api("post", "/screen", token=member_token, json={"text": "a" * 2000})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_a_lone_surrogate_in_the_json_is_400_with_a_clear_message(api, member_token, lexicon):
    # Raw bytes: a JSON encoder would refuse to produce this, but a client may send it.
    body = b'{"text": "\\u51b0\\ud800\\u6bd2"}'
    response = api("post", "/screen", token=member_token, body=body)
    assert response.status_code == 400
    assert response.json()["fields"]["text"] == [
        "文本在第 1 个字符处含有不成对的代理码元（U+D800），它不是字符；请发送有效的 Unicode"
        "（在 JSON 中，\\uD800–\\uDFFF 转义必须成对出现）。"
    ]
    # A proper pair is one character and is screened as such.
    pair = api(
        "post", "/screen", token=member_token, body=b'{"text": "\\ud83d\\ude00\\u51b0\\u6bd2"}'
    )
    assert pair.json()["results"][0]["matches"][0]["start"] == 1


def test_invalid_utf8_in_the_body_is_400(api, member_token, lexicon):
    before = nothing_changed()
    response = api("post", "/screen", token=member_token, body=b'{"text": "\xe5\x86"}')
    assert response.status_code == 400
    assert response.json()["code"] == "error"
    assert nothing_changed() == before


def test_a_batch_of_1001_posts_is_refused_whole(api, member_token, lexicon):
    before = nothing_changed()
    posts = [{"text": "冰毒"}] * 1001
    response = api("post", "/screen/batch", token=member_token, json={"posts": posts})
    assert response.status_code == 400
    assert response.json()["code"] == "too_many"
    assert response.json()["fields"]["posts"] == [
        "收到 1,001 条帖子；一次最多筛查 1,000 条。请拆分批次。"
    ]
    assert nothing_changed() == before


def test_an_empty_batch_is_refused(api, member_token):
    response = api("post", "/screen/batch", token=member_token, json={"posts": []})
    assert response.status_code == 400 and "posts" in response.json()["fields"]


def test_every_bad_post_of_a_batch_is_named(api, member_token, lexicon):
    posts = [{"text": "冰毒"}, {"text": ""}, {"text": "x\ud800"}]
    body = json.dumps({"posts": posts}).encode()  # json.dumps escapes the lone surrogate

    response = api("post", "/screen/batch", token=member_token, body=body)

    assert response.status_code == 400
    fields = response.json()["fields"]
    assert list(fields) == ["posts.1.text", "posts.2.text"]
    assert response.json()["message"].startswith("posts.1.text: 文本为空")


def test_malformed_json_and_wrong_shapes_are_refused_in_the_error_format(api, member_token):
    broken = api("post", "/screen", token=member_token, body=b'{"text": "abc')
    assert broken.status_code == 400 and broken.json()["code"] == "error"
    wrong = api("post", "/screen", token=member_token, json={"text": 42})
    assert wrong.status_code == 422 and "text" in wrong.json()["fields"]
    unit = api("post", "/screen", token=member_token, json={"text": "a", "offsets": "bytes"})
    assert unit.status_code == 422 and "offsets" in unit.json()["fields"]


def test_screening_takes_a_constant_number_of_queries(
    api, member_token, lexicon, django_assert_num_queries
):
    api("post", "/screen", token=member_token, json={"text": "冰毒"})
    posts = [{"text": "冰毒"}] * 200
    # With the test's zero reload interval nothing is remembered: the token, the caller's unit
    # being a member now, the person's roles (may they see terms?) and the look for a new version.
    with django_assert_num_queries(4):
        api("post", "/screen/batch", token=member_token, json={"posts": posts})


def test_within_the_reload_interval_a_known_token_screens_without_a_query(
    api, settings, member_token, lexicon, django_assert_num_queries
):
    settings.SCREENING_RELOAD_SECONDS = 60
    api("post", "/screen", token=member_token, json={"text": "冰毒"})
    with django_assert_num_queries(0):
        response = api(
            "post", "/screen/batch", token=member_token, json={"posts": [{"text": "冰毒"}] * 200}
        )
    assert response.status_code == 200 and len(response.json()["results"]) == 200


def test_a_revoked_token_is_refused_once_the_reload_interval_has_passed(
    api, settings, monkeypatch, rep_a, member_token, lexicon
):
    from gongyue.accounts.actions import do_revoke_token
    from gongyue.screening import service

    settings.SCREENING_RELOAD_SECONDS = 2
    now = [1000.0]
    monkeypatch.setattr(service, "_clock", lambda: now[0])
    assert api("post", "/screen", token=member_token, json={"text": "a"}).status_code == 200
    do_revoke_token(ApiToken.objects.get(user=rep_a), actor=rep_a)
    now[0] += 2.5
    refused = api("post", "/screen", token=member_token, json={"text": "a"})
    assert refused.status_code == 401 and refused.json()["code"] == "unauthenticated"
    # A token nobody issued never gets in.
    assert api("post", "/screen", token="gy_" + "x" * 43, json={"text": "a"}).status_code == 401


def test_a_unit_that_stops_being_a_member_stops_screening_after_the_reload_interval(
    api, settings, monkeypatch, unit_a, member_token, lexicon
):
    from gongyue.organisations.models import Membership
    from gongyue.screening import service

    settings.SCREENING_RELOAD_SECONDS = 2
    now = [1000.0]
    monkeypatch.setattr(service, "_clock", lambda: now[0])
    assert api("post", "/screen", token=member_token, json={"text": "a"}).status_code == 200
    Membership.objects.filter(unit=unit_a).delete()
    now[0] += 2.5
    assert api("post", "/screen", token=member_token, json={"text": "a"}).status_code == 403


def test_a_unit_that_is_not_a_member_cannot_screen(api, rep_b, lexicon):
    from gongyue.accounts.models import ApiToken

    _token, secret = ApiToken.issue(rep_b, "screening")
    response = api("post", "/screen", token=secret, json={"text": "冰毒"})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


@pytest.mark.parametrize("mask", [False, True])
@pytest.mark.parametrize("offsets", ["code_points", "utf16", "utf8"])
@pytest.mark.parametrize("reveal", [False, True])
def test_the_batch_answer_written_directly_is_the_json_of_each_posts_result(
    lexicon, mask, offsets, reveal
):
    """service.results_json writes the answer without building it: it must say exactly what
    json.dumps of result_dict says, for passing and matching posts, ids or none, any escape."""
    from gongyue.screening import service

    texts = ["诚信经营", "代 开 发 票 😀 冰毒", '引号"与\\反斜杠\n换行', "广告👍广告"]
    ids = [None, "a", 'id "quoted" \\ 😀', "4"]
    version, results = service.screen_texts(texts)
    assert results[0].decision == "pass" and results[1].matches
    expected = {
        "lexicon_version": version,
        "results": [
            service.result_dict(t, r, mask=mask, offsets=offsets, post_id=i, reveal=reveal)
            for t, r, i in zip(texts, results, ids)
        ],
    }
    written = service.results_json(
        version, texts, results, ids, mask=mask, offsets=offsets, reveal=reveal
    )
    assert json.loads(written) == expected
    assert written == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))
