"""The eForms SDK business-term → XPath table: a compact extract shipped with Ancrage.

The SDK's ``fields/fields.json`` (EU Publications Office, ``OP-TED/eForms-SDK``, licence CC BY
4.0) maps every business term (``BT-262-Lot``…) to an XPath. Ancrage ships only the fields and
nodes its readers use (:data:`FIELDS_USED`, :data:`NODES_USED`), for every SDK version the
notices it reads declare (``cbc:CustomizationID``: ``eforms-sdk-1.7`` … ``eforms-sdk-1.15``), in
``ancrage/data/notices/eforms/fields.json``, built by ``scripts/build_eforms.py`` from the SDK
releases (:func:`compact_table`). A notice is read with the table of its own SDK version (XPaths
changed between versions); a field an older SDK does not have (``BT-541-Lot-WeightNumber``
before 1.8, where ``BT-541-Lot`` mixed weights, fixed values and thresholds) is read with the
newest XPath.

``--eforms-dir`` (:func:`table_from_dir`) still takes a full ``fields.json`` of one SDK (or
``fields_sdk-<version>.json``) instead, used for every notice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ancrage.errors import ConfigError

DEFAULT_SDK_VERSION = "1.15.1"
SHIPPED = ("data", "notices", "eforms", "fields.json")
SDK_LICENCE = "CC BY 4.0 (EU Publications Office, OP-TED/eForms-SDK)"

NAMESPACES = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    "efac": "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1",
    "efbc": "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1",
    "efext": "http://data.europa.eu/p27/eforms-ubl-extensions/1",
}

_PART_FIELDS = ("BT-137", "BT-21", "BT-24", "BT-262", "BT-263", "BT-27", "BT-726", "BT-15")
_PLACE_FIELDS = ("BT-5071", "BT-5101(a)", "BT-5121", "BT-5131", "BT-5141", "BT-727", "BT-728")
#: every field the eForms mapper (:mod:`ancrage.notices.eforms`) reads
FIELDS_USED: tuple[str, ...] = tuple(
    sorted(
        {
            *("BT-01-notice", "BT-03-notice", "BT-04-notice", "BT-05(a)-notice"),
            *("BT-140-notice", "BT-701-notice", "BT-757-notice", "BT-758-notice"),
            *("OPP-010-notice", "OPP-012-notice", "OPT-002-notice"),
            *("BT-105-Procedure", "BT-21-Procedure", "BT-23-Procedure", "BT-24-Procedure"),
            *("BT-262-Procedure", "BT-263-Procedure", "BT-27-Procedure"),
            "BT-508-Procedure-Buyer",
            "OPT-300-Procedure-Buyer",
            *("BT-06-Lot", "BT-131(d)-Lot", "BT-131(t)-Lot", "BT-137-Lot", "BT-15-Lot"),
            *("BT-18-Lot", "BT-21-Lot", "BT-24-Lot", "BT-262-Lot", "BT-263-Lot", "BT-27-Lot"),
            *("BT-36-Lot", "BT-539-Lot", "BT-540-Lot", "BT-541-Lot-WeightNumber", "BT-63-Lot"),
            *("BT-71-Lot", "BT-726-Lot", "BT-726-LotsGroup", "BT-734-Lot", "BT-736-Lot"),
            *("BT-750-Lot", "BT-774-Lot", "BT-775-Lot", "BT-805-Lot"),
            *(f"{bt}-{scope}" for bt in _PLACE_FIELDS for scope in ("Procedure", "Lot", "Part")),
            *(f"{bt}-Part" for bt in _PART_FIELDS),
            *("BT-500-Organization-Company", "BT-501-Organization-Company"),
            *("BT-507-Organization-Company", "BT-512-Organization-Company"),
            *("BT-513-Organization-Company", "BT-514-Organization-Company"),
            "OPT-200-Organization-Company",
            *("BT-13713-LotResult", "BT-142-LotResult", "OPT-320-LotResult"),
            *("BT-13714-Tender", "BT-720-Tender", "OPT-310-Tender", "OPT-321-Tender"),
            *("OPT-210-Tenderer", "OPT-300-Tenderer"),
        }
    )
)
NODES_USED: tuple[str, ...] = (
    "ND-Changes",
    "ND-Company",
    "ND-Lot",
    "ND-LotAwardCriterion",
    "ND-LotResult",
    "ND-LotTender",
    "ND-Part",
    "ND-TenderingParty",
)
_VERSION = re.compile(r"(\d+)\.(\d+)")


def minor(version: str) -> str:
    """``"eforms-sdk-1.10"``, ``"1.10.5"`` → ``"1.10"`` (``""`` when there is no version)."""
    found = _VERSION.search(version)
    return f"{found[1]}.{found[2]}" if found else ""


def _order(version: str) -> tuple[int, int]:
    found = _VERSION.search(version)
    return (int(found[1]), int(found[2])) if found else (0, 0)


def _hint() -> str:
    return "Utilisez la table livrée avec Ancrage (sans --eforms-dir) ou le fields.json d'un SDK."


@dataclass(frozen=True)
class EformsFields:
    """Absolute XPaths of fields and nodes, by SDK id (``BT-262-Lot``, ``ND-Lot``...)."""

    sdk_version: str
    fields: Mapping[str, str]
    nodes: Mapping[str, str]

    def xpath(self, field_id: str) -> str:
        try:
            return self.fields[field_id]
        except KeyError:
            raise ConfigError(
                f"la table du SDK eForms n'a pas de champ {field_id}", hint=_hint()
            ) from None

    def relative(self, field_id: str, node_id: str) -> str:
        """The field's XPath relative to a node (``ND-Lot``, ``ND-LotAwardCriterion``...)."""
        absolute = self.xpath(field_id)
        base = self.nodes.get(node_id)
        if base is None or not absolute.startswith(base + "/"):
            raise ConfigError(
                f"le champ eForms {field_id} n'est pas sous le nœud {node_id}", hint=_hint()
            )
        return absolute[len(base) + 1 :]

    def node(self, node_id: str) -> str:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise ConfigError(
                f"la table du SDK eForms n'a pas de nœud {node_id}", hint=_hint()
            ) from None


@dataclass(frozen=True)
class EformsTable:
    """The field table of each SDK version (by minor version, ``"1.10"``), and the default."""

    versions: Mapping[str, EformsFields]
    default: str

    def for_version(self, customization_id: str | None) -> EformsFields:
        """The table of a notice's SDK version (``eforms-sdk-1.8``): its own when shipped, else
        the newest shipped version before it, else the default (newest) one."""
        wanted = minor(customization_id or "")
        if wanted in self.versions:
            return self.versions[wanted]
        older = [v for v in self.versions if wanted and _order(v) < _order(wanted)]
        return self.versions[max(older, key=_order) if older else self.default]


# ---------------------------------------------------------------- building the compact table


def _select(raw: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    fields = {f["id"]: f["xpathAbsolute"] for f in raw["fields"]}
    nodes = {n["id"]: n["xpathAbsolute"] for n in raw["xmlStructure"]}
    chosen: dict[str, str] = {}
    for field_id in FIELDS_USED:
        found = fields.get(field_id)
        if found is not None:
            chosen[field_id] = found
    return chosen, {n: nodes[n] for n in NODES_USED if n in nodes}


def compact_table(sdks: Mapping[str, bytes]) -> dict[str, Any]:
    """The shipped table from the ``fields.json`` of several SDK releases (release → bytes):
    the newest in full, the others as the entries where they differ from it."""
    read = {release: json.loads(data) for release, data in sdks.items()}
    newest = max(read, key=_order)  # one release per minor version
    base_fields, base_nodes = _select(read[newest])
    missing = sorted(set(FIELDS_USED) - set(base_fields)) + sorted(
        set(NODES_USED) - set(base_nodes)
    )
    if missing:
        raise ValueError(f"SDK {newest} lacks {', '.join(missing)}")
    versions: dict[str, Any] = {}
    for release in sorted(read, key=_order):
        fields, nodes = _select(read[release])
        entry: dict[str, Any] = {"sdk": str(read[release].get("sdkVersion", release))}
        if release == newest:
            entry |= {"fields": fields, "nodes": nodes}
        else:
            entry["fields"] = {k: v for k, v in fields.items() if base_fields[k] != v}
            entry["nodes"] = {k: v for k, v in nodes.items() if base_nodes[k] != v}
        versions[minor(release)] = entry
    return {
        "source": "OP-TED/eForms-SDK, fields/fields.json",
        "licence": SDK_LICENCE,
        "default": minor(newest),
        "versions": versions,
    }


def table_of(data: Mapping[str, Any]) -> EformsTable:
    """The :class:`EformsTable` of a compact table (:func:`compact_table`)."""
    default = data["default"]
    base = data["versions"][default]
    versions = {
        version: EformsFields(
            entry["sdk"],
            {**base["fields"], **entry["fields"]},
            {**base["nodes"], **entry["nodes"]},
        )
        for version, entry in data["versions"].items()
    }
    return EformsTable(versions, default)


@cache
def shipped_table() -> EformsTable:
    """The table shipped with Ancrage (every SDK version the samples declare)."""
    path = resources.files("ancrage").joinpath(*SHIPPED)
    return table_of(json.loads(path.read_bytes()))


# ---------------------------------------------------------------- a user's fields.json


def sdk_fields_url(version: str = DEFAULT_SDK_VERSION) -> str:
    """Where the official SDK release publishes the field table."""
    return f"https://raw.githubusercontent.com/OP-TED/eForms-SDK/{version}/fields/fields.json"


def find_fields_file(directory: Path, version: str = DEFAULT_SDK_VERSION) -> Path:
    candidates = [directory / f"fields_sdk-{version}.json", directory / "fields.json"]
    candidates += sorted(directory.glob("fields_sdk-*.json"), key=lambda p: _order(p.name))[::-1]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"table des champs du SDK eForms introuvable dans {directory}",
        hint=f"Mettez-y le fields.json d'un SDK eForms ({sdk_fields_url(version)}), "
        "ou n'indiquez pas --eforms-dir : la table livrée avec Ancrage est utilisée.",
    )


def load_fields(directory: Path, version: str = DEFAULT_SDK_VERSION) -> EformsFields:
    """A full ``fields.json`` of one SDK release, read from ``directory``."""
    path = find_fields_file(directory, version)
    try:
        raw = json.loads(path.read_bytes())
        fields = {f["id"]: f["xpathAbsolute"] for f in raw["fields"]}
        nodes = {n["id"]: n["xpathAbsolute"] for n in raw["xmlStructure"]}
        sdk_version = str(raw.get("sdkVersion", version))
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"la table des champs du SDK eForms est illisible ({exc.__class__.__name__})",
            file=path,
            hint=f"Téléchargez-la à nouveau depuis {sdk_fields_url(version)}.",
        ) from exc
    return EformsFields(sdk_version, fields, nodes)


@cache
def table_from_dir(directory: Path) -> EformsTable:
    """The ``fields.json`` of ``directory`` (``--eforms-dir``), for every SDK version."""
    fields = load_fields(directory)
    return EformsTable({"": fields}, "")
