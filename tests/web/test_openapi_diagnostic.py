"""The OpenAPI document declares the diagnostic field by field (the model's types, not
``object``), and the answers of ``/api/v1/diagnostics`` conform to it (schemathesis's response
check on real scopes; a tampered answer does not)."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.checks import response_schema_conformance

from ancrage.diagnose.docs import classes
from ancrage.diagnose.schema import diagnostic_json_schema

SCOPES = [
    {"territory": "dep:86"},
    {"territory": "dep:86", "reference": "france"},  # with its benchmark, a nested diagnostic
    {"territory": "dep:86", "years": "2024", "frameworks": "separate"},
    {},  # the whole warehouse
    {"territory": "dep:2A"},  # a scope without any contract
]


def test_every_field_of_the_model_is_in_the_document(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    answer = document["paths"]["/api/v1/diagnostics"]["get"]["responses"]["200"]
    ref = answer["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/DiagnosticDocument"
    schemas = document["components"]["schemas"]
    for cls in classes():
        names = [f.name for f in dataclasses.fields(cls)]
        if cls.__name__ == "Share":  # its JSON form adds its status
            names.insert(2, "status")
        declared = schemas[cls.__name__]
        assert list(declared["properties"]) == names, cls.__name__
        assert declared["required"] == names and declared["additionalProperties"] is False
    root = schemas["DiagnosticDocument"]["properties"]
    assert root["schema_version"] == {"type": "integer", "const": 1}
    assert root["totals"] == {"$ref": "#/components/schemas/Totals"}
    assert schemas["Totals"]["properties"]["amount_eur"] == {"type": "number"}
    assert schemas["Share"]["properties"]["status"]["enum"] == ["ok", "base faible", "inconnu"]


@pytest.mark.parametrize("query", SCOPES, ids=lambda q: "&".join(map(str, q.values())) or "tout")
def test_answers_conform_to_the_document(app: Any, query: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operation = schema["/api/v1/diagnostics"]["GET"]
    case = operation.Case(query=query)
    response = case.call()
    assert response.status_code == 200, response.text
    case.validate_response(response, checks=[response_schema_conformance])
    jsonschema_rs.validator_for(diagnostic_json_schema()).validate(response.json())


def test_a_wrong_answer_does_not_conform(client: TestClient) -> None:
    good = client.get("/api/v1/diagnostics", params={"territory": "dep:86"}).json()
    validator = jsonschema_rs.validator_for(diagnostic_json_schema())
    validator.validate(good)
    wrong_share = copy.deepcopy(good)
    wrong_share["locality"]["local"]["value"] = "12 %"
    extra_field = copy.deepcopy(good)
    extra_field["totals"]["contrats"] = 3
    missing = copy.deepcopy(good)
    del missing["supplier_size"]["by_amount"]["sme"]
    for bad in (wrong_share, extra_field, missing):
        with pytest.raises(jsonschema_rs.ValidationError):
            validator.validate(bad)
