"""The API docs page and the API's error messages in the caller's language."""

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def test_the_docs_page_is_in_chinese_for_a_chinese_caller_and_in_english_on_request(client, db):
    page = client.get("/api/v1/docs", **ZH).content.decode()
    assert '<html lang="zh-hans">' in page and "<title>API 文档" in page
    assert "错误一律以" in page
    english = client.get("/api/v1/docs", **EN).content.decode()
    assert '<html lang="en">' in english and "<title>API documentation" in english


def test_the_openapi_document_is_titled_in_the_callers_language(client, db):
    assert client.get("/api/v1/openapi.json", **ZH).json()["info"]["title"] == "自律公约平台 API"
    info = client.get("/api/v1/openapi.json", **EN).json()["info"]
    assert info["title"] == "gongyue API" and info["description"].startswith("Read the convention")


def test_error_messages_are_chinese_for_a_chinese_caller(client, rep_a):
    assert (
        client.post("/api/v1/screening/screen", {}, content_type="application/json", **ZH).json()[
            "message"
        ]
        == "请登录或提供 API 令牌。"
    )
    client.force_login(rep_a)
    wrong = client.post(
        "/api/v1/screening/screen", {"texts": 1}, content_type="application/json", **ZH
    )
    body = wrong.json()
    assert wrong.status_code == 422 and body["message"] == "请求无效。"
    assert body["fields"]["text"] == ["这个字段是必填项。"]
    english = client.post(
        "/api/v1/screening/screen", {"texts": 1}, content_type="application/json", **EN
    ).json()
    assert english["fields"]["text"] == ["This field is required."]
