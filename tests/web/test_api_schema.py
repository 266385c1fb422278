"""schemathesis against the API's own OpenAPI schema: no server errors, and every answer
conforms to the schema (status codes, content types, bodies, headers).

Runs in-process (ASGI) on the seeded hub with an API token of a police analyst, the reader
who sees the most; a few examples per operation keep it to a couple of minutes. (Driven
through Hypothesis directly: schemathesis 4.32's lazy pytest loader reads a private
attribute pytest 9 no longer has.) It runs
after the browser and matrix tests (file order), since generated requests may add cases.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from web.hub_fixture import SeededHub, seeded_hub  # noqa: F401 (a fixture)
from web.live_server import hub_app

MAX_EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def _failures(
    schema: schemathesis.BaseSchema, token: str, mode: GenerationMode, checks: list[CheckFunction]
) -> list[str]:
    """Each operation's first failing example, as schemathesis reports it."""
    failures = []
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            failures.append(f"an operation the schema describes wrongly: {result}")
            continue
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def probe(case: schemathesis.Case) -> None:
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=checks)

        try:
            probe()
        except Unsatisfiable:
            continue  # nothing invalid can be sent to it (no parameters, or only free ones)
        except (Exception, BaseExceptionGroup) as failure:  # the checks that failed, or a crash
            failures.append(f"{operation.label} ({mode.value}): {type(failure).__name__}: {failure}")
    return failures


@pytest.fixture(scope="module")
def api_schema(seeded_hub: SeededHub) -> schemathesis.BaseSchema:  # noqa: F811
    return schemathesis.openapi.from_asgi("/api/openapi.json", hub_app(seeded_hub))


def test_valid_requests_get_answers_that_conform_to_the_schema(
    api_schema: schemathesis.BaseSchema,
    seeded_hub: SeededHub,  # noqa: F811
) -> None:
    failures = _failures(api_schema, seeded_hub.token("police", "analyst"), GenerationMode.POSITIVE, CHECKS)
    assert failures == [], "\n\n".join(failures)


def test_invalid_requests_cause_no_server_error(
    api_schema: schemathesis.BaseSchema,
    seeded_hub: SeededHub,  # noqa: F811
) -> None:
    token = seeded_hub.token("police", "analyst")
    failures = _failures(api_schema, token, GenerationMode.NEGATIVE, [not_a_server_error])
    assert failures == [], "\n\n".join(failures)


def test_the_schema_describes_the_api(seeded_hub: SeededHub) -> None:  # noqa: F811
    """The schema is there to test: it lists the API's operations (not only /api/me)."""
    document = hub_app(seeded_hub).openapi()
    paths = set(document["paths"])
    assert "/api/me" in paths
    assert len(paths) > 5, sorted(paths)
    assert all(path.startswith("/api/") for path in paths), sorted(paths)
