"""Schemathesis against the live test server (issue 8.4): for every operation of the OpenAPI
document, a bounded number of generated requests, anonymously and with a member's and the
secretariat's token, on the demo data. No answer may be a server error, every status must be
one the operation documents, and every body must match the documented schema."""

import os

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from gongyue.accounts.models import ApiToken, User
from gongyue.api.urls import api

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# Examples per operation and caller: 59 operations × 3 callers × 5 take about 1½ minutes.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))


def exercise(operation, base_url: str, headers: dict, fixed: dict) -> list[str]:
    """Run the generated cases of one operation; the failures, one line each."""
    failures: list[str] = []
    params = {k: v for k, v in fixed.items() if f"{{{k}}}" in operation.path}

    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(path_parameters=params or None))
    def run(case):
        try:
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=60)
        except Exception as failure:  # a check's failure, kept to report all at once
            failures.append(f"{operation.method.upper()} {operation.path}: {str(failure)[:400]}")

    run()
    return failures[:2]


@pytest.mark.schemathesis
def test_the_api_keeps_its_documented_contract_under_generated_requests(
    live_server, transactional_db
):
    call_command("load_demo", verbosity=0)
    _token, member = ApiToken.issue(User.objects.get(username="ganjiang_rep"), name="schemathesis")
    _token, secretariat = ApiToken.issue(User.objects.get(username="mishuchu"), name="schemathesis")
    # Generated ids would sooner or later revoke the callers' own tokens: revoking goes to a decoy.
    decoy, _secret = ApiToken.issue(User.objects.get(username="ganjiang_rep"), name="decoy")
    fixed = {"token_id": decoy.pk}
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    callers = {
        "anonymous": {},
        "member": {"Authorization": f"Bearer {member}"},
        "secretariat": {"Authorization": f"Bearer {secretariat}"},
    }
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 50
    failures = []
    for caller, headers in callers.items():
        for operation in operations:
            failures += [
                f"[{caller}] {f}" for f in exercise(operation, live_server.url, headers, fixed)
            ]
    assert not failures, "\n".join(failures)
