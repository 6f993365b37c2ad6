"""The API's contract: one name per schema, the statuses each operation can answer documented,
401 for a caller without credentials (even on a POST without a CSRF token), and every error,
500 included, in the one error format with DEBUG on or off (issue 8.4)."""

import json
import logging

import pytest
from django.test import Client
from pydantic import BaseModel

from gongyue.accounts.models import ApiToken
from gongyue.api.urls import api


def models_in(annotation, seen):
    """Every pydantic model reachable from a type annotation."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for field in annotation.model_fields.values():
            models_in(field.annotation, seen)
    for arg in getattr(annotation, "__args__", ()):
        models_in(arg, seen)


def operations():
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            yield from path_view.operations


def test_every_schema_has_its_own_name():
    seen = set()
    for operation in operations():
        for model in operation.response_models.values():
            if model is not None and hasattr(model, "model_fields"):
                models_in(model.model_fields["response"].annotation, seen)
        for model in getattr(operation.signature, "models", []):
            models_in(model, seen)
    by_name = {}
    for model in seen:
        by_name.setdefault(model.__name__, set()).add(f"{model.__module__}.{model.__qualname__}")
    clashes = {
        name: where
        for name, where in by_name.items()
        if len(where) > 1 and name != "NinjaResponseSchema"
    }
    assert not clashes
    assert {"ConventionVersionOut", "LexiconVersionOut", "RoleGrantOut", "DelegateGrantOut"} <= set(
        by_name
    )


def no_duplicate_keys(pairs):
    keys = [key for key, _value in pairs]
    assert len(keys) == len(set(keys)), keys
    return dict(pairs)


def test_each_operation_documents_the_errors_it_can_answer_in_the_error_format(client, db):
    text = client.get("/api/v1/openapi.json").content.decode()
    # Swagger UI's parser refuses a document with a key twice ("404" from ninja and from us).
    schema = json.loads(text, object_pairs_hook=no_duplicate_keys)
    assert "Error" in schema["components"]["schemas"]
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            statuses = set(operation["responses"])
            assert "500" in statuses, (method, path)
            if operation.get("security"):
                assert {"401", "403"} <= statuses, (method, path)
            if "{" in path:
                assert "404" in statuses, (method, path)
            if operation.get("parameters") or operation.get("requestBody"):
                assert {"400", "422"} <= statuses, (method, path)
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    content = response["content"]["application/json"]["schema"]
                    assert content == {"$ref": "#/components/schemas/Error"}, (method, path, status)


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def test_a_post_without_credentials_answers_401_not_a_csrf_failure(csrf_client, db):
    for path in ("/api/v1/accounts/me/tokens", "/api/v1/screening/screen"):
        response = csrf_client.post(path, {"name": "x"}, content_type="application/json")
        assert response.status_code == 401, path
        assert response.json()["code"] == "unauthenticated"


def test_a_signed_in_browser_without_the_csrf_token_is_refused_with_a_readable_403(
    csrf_client, rep_a
):
    csrf_client.force_login(rep_a)
    response = csrf_client.post(
        "/api/v1/accounts/me/tokens", {"name": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "csrf_failed" and "CSRF" in body["message"] and "刷新" in body["message"]
    assert not ApiToken.objects.exists()


def test_a_token_needs_no_csrf_token(csrf_client, rep_a):
    _token, secret = ApiToken.issue(rep_a, name="cli")
    response = csrf_client.post(
        "/api/v1/accounts/me/tokens",
        {"name": "second"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 201


@pytest.mark.parametrize("debug", [True, False])
def test_a_crash_answers_500_in_the_error_format_without_a_traceback(
    client, db, settings, monkeypatch, caplog, debug
):
    settings.DEBUG = debug

    def boom(user):
        raise RuntimeError("secret detail from the database")

    monkeypatch.setattr("gongyue.convention.api.get_convention_for_user", boom)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/v1/convention/current")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "server_error" and body["fields"] == {}
    assert "secret detail" not in response.content.decode()
    assert "secret detail" in caplog.text  # the operator still sees what happened


@pytest.mark.parametrize("debug", [True, False])
def test_an_unknown_api_url_and_a_wrong_method_answer_in_the_error_format(
    client, db, settings, debug
):
    settings.DEBUG = debug
    missing = client.get("/api/v1/no/such/thing")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    wrong = client.put("/api/v1/convention/current")
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"


def test_the_current_convention_answers_when_rules_are_not_placed_at_an_article(client, db):
    from django.core.management import call_command

    call_command("load_demo")
    response = client.get("/api/v1/convention/current")
    assert response.status_code == 200
    rules = {rule["key"]: rule["article"] for rule in response.json()["convention"]["rules"]}
    assert rules["publication_days"] == 12 and rules["register_period"] is None
