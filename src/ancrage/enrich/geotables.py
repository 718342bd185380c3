"""The COG as small Arrow tables that DuckDB joins against (built once per run, ~45 k rows).

- :func:`commune_table`: every commune code the COG knows (current, déléguée, associée,
  arrondissement municipal, old code) → its current commune, EPCI, département, région and point;
- :func:`siren_table`: SIREN of a commune or of an EPCI → where that public body is (the
  "buyer is a commune" fallback when SIRENE is not available);
- :func:`departement_table`: département → région (to validate and complete département codes
  given by the sources).
"""

from __future__ import annotations

import pyarrow as pa

from ancrage.geo import Geography

COMMUNE_SCHEMA = pa.schema(
    [
        ("code", pa.string()),
        ("commune", pa.string()),
        ("epci", pa.string()),
        ("departement", pa.string()),
        ("region", pa.string()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
    ]
)
SIREN_SCHEMA = pa.schema(
    [
        ("siren", pa.string()),
        ("kind", pa.string()),  # commune | epci
        ("commune", pa.string()),
        ("epci", pa.string()),
        ("departement", pa.string()),
        ("region", pa.string()),
    ]
)


def commune_table(geo: Geography) -> pa.Table:
    """Any COG commune code → current commune with its EPCI, département, région, point."""
    codes = {c.code for c in geo.iter_entities()}
    codes.update(geo._old_codes)
    rows: list[dict[str, object]] = []
    for code in sorted(codes):
        found = geo.lookup_commune(code)
        if found is None:
            continue
        commune = found[0]
        point = geo.centroid(commune)
        rows.append(
            {
                "code": code,
                "commune": commune.code,
                "epci": commune.epci,
                "departement": commune.departement,
                "region": commune.region,
                "lat": point[0] if point else None,
                "lon": point[1] if point else None,
            }
        )
    return pa.Table.from_pylist(rows, schema=COMMUNE_SCHEMA)


def _shared(values: set[str]) -> str | None:
    return next(iter(values)) if len(values) == 1 else None


def siren_table(geo: Geography) -> pa.Table:
    """SIREN of a current commune → that commune; SIREN of an EPCI → the EPCI, with the
    département and région its member communes share (none when they span several)."""
    rows: list[dict[str, object]] = []
    for commune in geo.communes.values():
        if commune.siren:
            rows.append(
                {
                    "siren": commune.siren,
                    "kind": "commune",
                    "commune": commune.code,
                    "epci": commune.epci,
                    "departement": commune.departement,
                    "region": commune.region,
                }
            )
    for epci in geo.epcis.values():
        members = [geo.communes[m] for m in epci.membres if m in geo.communes]
        rows.append(
            {
                "siren": epci.code,
                "kind": "epci",
                "commune": None,
                "epci": epci.code,
                "departement": _shared({m.departement for m in members}),
                "region": _shared({m.region for m in members}),
            }
        )
    rows.sort(key=lambda r: str(r["siren"]))
    return pa.Table.from_pylist(rows, schema=SIREN_SCHEMA)


def departement_table(geo: Geography) -> pa.Table:
    deps = sorted(geo.departements.values(), key=lambda d: d.code)
    return pa.table(
        {"departement": [d.code for d in deps], "region": [d.region for d in deps]},
        schema=pa.schema([("departement", pa.string()), ("region", pa.string())]),
    )


def epci_departement_pairs(geo: Geography) -> frozenset[frozenset[str]]:
    """Pairs of départements that some EPCI spans (then a different département does not rule
    out the same EPCI)."""
    pairs: set[frozenset[str]] = set()
    for epci in geo.epcis.values():
        deps = sorted({geo.communes[m].departement for m in epci.membres if m in geo.communes})
        for i, a in enumerate(deps):
            for b in deps[i + 1 :]:
                pairs.add(frozenset((a, b)))
    return frozenset(pairs)
