"""Schemathesis over the OpenAPI document: requests generated from the schema for every
operation (with an advisor's API token: the public operations ignore it) never get a server
error, and every error is a problem document."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from tests.web.conftest import People, token_for

EXAMPLES = 5  # per operation: about 45 operations, within the suite's time budget


def test_no_server_error(app: Any, client: TestClient, people: People) -> None:
    headers = token_for(client, people.advisor.email)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            suppress_health_check=list(HealthCheck),
            deadline=None,
            derandomize=True,
            database=None,
        )
        def check(case: Any) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.text[:200]}")
            elif response.status_code >= 400:
                kind = response.headers.get("content-type", [""])
                assert kind == ["application/problem+json"], (case.path, kind)

        check()
    assert failures == []
