"""The JSON Schema of the diagnostic's JSON form (:meth:`Diagnostic.as_json`), made from the
model's type hints, so that the HTTP API's OpenAPI document declares the diagnostic field by
field and cannot drift from it: each dataclass is a named schema (its docstring as the
description, every field required, no other field), a :class:`Share` is
``{value, base, status, reason}``, the scope its description, tuples are arrays, dates ISO
strings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from ancrage.diagnose import model
from ancrage.diagnose.model import SCHEMA_VERSION, Diagnostic, Share, Status
from ancrage.diagnose.scope import Frameworks, PurchaseType, Scope
from ancrage.indicators.relations import Kind

JsonSchema = dict[str, Any]
OPENAPI_REF = "#/components/schemas/{}"

_SCALARS: dict[Any, JsonSchema] = {
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    float: {"type": "number"},
    str: {"type": "string"},
    dt.date: {"type": "string", "format": "date"},
    dt.datetime: {"type": "string", "format": "date-time"},
}


def _nullable(schema: JsonSchema) -> JsonSchema:
    return {"anyOf": [schema, {"type": "null"}]}


def _strings(choices: Any) -> JsonSchema:
    return {"type": "string", "enum": list(get_args(choices))}


def _object(description: str, properties: dict[str, JsonSchema]) -> JsonSchema:
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


class _Builder:
    def __init__(self, ref: str) -> None:
        self.ref = ref
        self.schemas: dict[str, JsonSchema] = {}

    def named(self, name: str, make: typing.Callable[[], JsonSchema]) -> JsonSchema:
        if name not in self.schemas:
            self.schemas[name] = {}  # reserved first: a class may refer to itself
            self.schemas[name] = make()
        return {"$ref": self.ref.format(name)}

    def of(self, hint: Any) -> JsonSchema:
        origin, args = get_origin(hint), get_args(hint)
        if hint is type(None):
            return {"type": "null"}
        if origin in (Union, types.UnionType):
            kept = [a for a in args if a is not type(None)]
            inner = self.of(kept[0]) if len(kept) == 1 else {"anyOf": [self.of(a) for a in kept]}
            return _nullable(inner) if len(kept) < len(args) else inner
        if origin is Literal:
            return _strings(hint)
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return {"type": "array", "items": self.of(args[0])}
            return {
                "type": "array",
                "prefixItems": [self.of(a) for a in args],
                "minItems": len(args),
                "maxItems": len(args),
            }
        if hint in _SCALARS:
            return dict(_SCALARS[hint])
        if hint is Share:
            return self.named("Share", _share)
        if hint is Scope:
            return self.named("Scope", _scope)
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            return self.named(hint.__name__, lambda: self.dataclass(hint))
        raise TypeError(f"no JSON schema for {hint!r}")

    def dataclass(self, cls: type) -> JsonSchema:
        hints = get_type_hints(cls, globalns={**vars(model), "Scope": Scope})
        properties = {f.name: self.of(hints[f.name]) for f in dataclasses.fields(cls)}
        return _object(inspect.cleandoc(cls.__doc__ or ""), properties)


def _share() -> JsonSchema:
    return _object(
        inspect.cleandoc(Share.__doc__ or ""),
        {
            "value": _nullable({"type": "number"}),
            "base": {"type": "integer"},
            "status": _strings(Status),
            "reason": {"type": "string"},
        },
    )


def _scope() -> JsonSchema:
    strings = {"type": "array", "items": {"type": "string"}}
    territory = _object(
        "Le territoire : type (dep, reg, epci, com), code, nom et argument (dep:86).",
        {k: {"type": "string"} for k in ("kind", "code", "nom", "label")},
    )
    return _object(
        "Le périmètre du diagnostic, tel que décrit par Scope.describe().",
        {
            "label": {"type": "string"},
            "territory": _nullable(territory),
            "buyers": strings,
            "years": _nullable(
                {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}
            ),
            "kind": _strings(Kind),
            "exclude_cpv": strings,
            "keep_cpv": strings,
            "purchase_type": _nullable(_strings(PurchaseType)),
            "frameworks": _strings(Frameworks),
            "include_flagged": {"type": "boolean"},
            "local_rings": strings,
        },
    )


def diagnostic_schemas(ref: str = OPENAPI_REF) -> dict[str, JsonSchema]:
    """The named schemas of the diagnostic's JSON form: ``"DiagnosticDocument"`` is the whole
    of it (``schema_version`` and the fields of ``"Diagnostic"``, which is also the form of its
    ``benchmark``). ``ref`` places them (``{}`` is the name): the OpenAPI document's
    components by default, ``"#/$defs/{}"`` for a standalone JSON Schema."""
    builder = _Builder(ref)
    builder.of(Diagnostic)
    nested = builder.schemas["Diagnostic"]
    builder.schemas["DiagnosticDocument"] = {
        **nested,
        "properties": {
            "schema_version": {"type": "integer", "const": SCHEMA_VERSION},
            **nested["properties"],
        },
        "required": ["schema_version", *nested["required"]],
    }
    return builder.schemas


def diagnostic_json_schema() -> JsonSchema:
    """A standalone JSON Schema (draft 2020-12) of :meth:`Diagnostic.as_json`."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": "#/$defs/DiagnosticDocument",
        "$defs": diagnostic_schemas("#/$defs/{}"),
    }
