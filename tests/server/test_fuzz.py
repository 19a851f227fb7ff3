"""schemathesis fuzzes every operation of openapi.json on a live `jupyter server`: no 500, and
every response (status, content type, body) is what the document says.

(schemathesis' own pytest plugin does not run under pytest 9, so each operation is a
parametrized test that drives schemathesis' hypothesis strategy directly.)
"""

from __future__ import annotations

import pytest
import requests

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from trainlab.server.openapi import document  # noqa: E402
from trainlab.server.routes import ROUTES  # noqa: E402

OPERATIONS = [(method.upper(), path) for path, ops in document(ROUTES)["paths"].items()
              for method in ops]
EXAMPLES = 12


@pytest.fixture(scope="module")
def api_schema(live):
    served = requests.get(live.api + "openapi.json", headers=live.headers(), timeout=10).json()
    schema = schemathesis.openapi.from_dict(served)
    schema.config.update(base_url=live.api.rstrip("/"))
    return {op.ok().label: op.ok() for op in schema.get_all_operations()}


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_server_errors_and_responses_match_the_schema(method, path, api_schema, live):
    operation = api_schema[f"{method} {path}"]
    session = requests.Session()

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case):
        case.call_and_validate(session=session, headers=live.headers(), checks=[
            not_a_server_error, status_code_conformance, content_type_conformance,
            response_schema_conformance])

    fuzz()
