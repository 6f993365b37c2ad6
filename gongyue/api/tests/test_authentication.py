"""Every endpoint the OpenAPI document marks as needing credentials refuses a caller without
them, in the one error format, and a bad token is no better than none."""

import re

import pytest

from gongyue.api.urls import api


def secured_operations():
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if operation.get("security"):
                yield method, re.sub(r"\{[^}]+\}", "1", path)


OPERATIONS = sorted(set(secured_operations()))


def test_the_api_documents_its_secured_operations():
    assert len(OPERATIONS) >= 30
    assert ("post", "/api/v1/convention/versions") in OPERATIONS
    assert ("post", "/api/v1/screening/screen") in OPERATIONS


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=lambda v: str(v))
def test_a_caller_without_credentials_gets_401_in_the_error_format(client, db, method, path):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer gy_not-a-real-token"}):
        response = getattr(client, method)(path, content_type="application/json", **headers)
        assert response.status_code == 401, (method, path)
        assert response.json()["code"] == "unauthenticated"
