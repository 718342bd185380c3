"""The eForms SDK business-term → XPath table, read from a configurable directory.

The SDK's ``fields/fields.json`` (EU Publications Office, ``OP-TED/eForms-SDK``, CC BY 4.0) is
reference data: it is not shipped with Ancrage. Put ``fields_sdk-<version>.json`` (or the SDK's
``fields.json``) in ``<reference_dir>/eforms/`` — :func:`sdk_fields_url` says where the official
release keeps it — and pass that directory to :func:`load_fields`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ancrage.errors import ConfigError

DEFAULT_SDK_VERSION = "1.15.1"

NAMESPACES = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    "efac": "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1",
    "efbc": "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1",
    "efext": "http://data.europa.eu/p27/eforms-ubl-extensions/1",
}


def sdk_fields_url(version: str = DEFAULT_SDK_VERSION) -> str:
    """Where the official SDK release publishes the field table."""
    return f"https://raw.githubusercontent.com/OP-TED/eForms-SDK/{version}/fields/fields.json"


@dataclass(frozen=True)
class EformsFields:
    """Absolute XPaths of fields and nodes, by SDK id (``BT-262-Lot``, ``ND-Lot``...)."""

    sdk_version: str
    fields: dict[str, str]
    nodes: dict[str, str]

    def xpath(self, field_id: str) -> str:
        try:
            return self.fields[field_id]
        except KeyError:
            raise ConfigError(
                f"la table du SDK eForms n'a pas de champ {field_id}",
                hint="Utilisez le fields.json d'un SDK eForms 1.x (1.10 ou plus récent).",
            ) from None

    def relative(self, field_id: str, node_id: str) -> str:
        """The field's XPath relative to a node (``ND-Lot``, ``ND-LotAwardCriterion``...)."""
        absolute = self.xpath(field_id)
        base = self.nodes.get(node_id)
        if base is None or not absolute.startswith(base + "/"):
            raise ConfigError(
                f"le champ eForms {field_id} n'est pas sous le nœud {node_id}",
                hint="Utilisez le fields.json d'un SDK eForms 1.x (1.10 ou plus récent).",
            )
        return absolute[len(base) + 1 :]

    def node(self, node_id: str) -> str:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise ConfigError(
                f"la table du SDK eForms n'a pas de nœud {node_id}",
                hint="Utilisez le fields.json d'un SDK eForms 1.x (1.10 ou plus récent).",
            ) from None


def find_fields_file(directory: Path, version: str = DEFAULT_SDK_VERSION) -> Path:
    for name in (f"fields_sdk-{version}.json", "fields.json"):
        candidate = directory / name
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"table des champs du SDK eForms introuvable dans {directory}",
        hint=f"Téléchargez {sdk_fields_url(version)} "
        f"dans {directory / f'fields_sdk-{version}.json'}.",
    )


def load_fields(directory: Path, version: str = DEFAULT_SDK_VERSION) -> EformsFields:
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
