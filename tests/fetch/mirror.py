"""Every source Ancrage fetches, served by a local :class:`Replay` from the shared samples.

What is a recording and what is built from the official documentation (no recording exists of
the DECP datasets, the tabular API, the npm registry or La Poste's dataset, see
``shared/data/live/SOURCES.md``):

* data.gouv.fr API v1 dataset: the **recorded** « catalogue » dataset object
  (``live/datagouv/api1_dataset_…``) whose ``resources`` are replaced by resources built on the
  **recorded** resource object (``live/datagouv/api1_resource_…``: same keys), each describing a
  file this server serves (url, filesize, sha1 checksum, last_modified);
* data.gouv.fr API v2 resource: the **recorded** envelope ``{"resource", "dataset_id"}``
  (``live/datagouv/api2_resource_…``) with the served file's values;
* tabular API pages ``{"data", "links", "meta"}``: **built from the documentation** of
  tabular-api.data.gouv.fr (filters ``<column>__exact`` / ``__greater`` / ``__less``, ``page``,
  ``page_size``); the rows are the real rows of the shared ``decp.csv`` extract, which was made
  through that very API (numbers typed as the API types them);
* BOAMP records pages: the **recorded** answer (``notices/boamp/ods_api_v2_1/…``), records
  filtered by day and ``code_departement`` as the API does; when ``day`` is given, every date of
  the records is moved by the same number of days so that they are published that day (and the
  calls are still open) — the only change made to recorded values;
* TED search: the **recorded** envelope (``notices``, ``totalNoticeCount``,
  ``iterationNextToken``; items with ``links.xml.MUL``) listing shared eForms samples, whose XML is
  served as ted.europa.eu serves it; an unknown iteration token answers HTTP 500 (the documented
  behaviour of the live API);
* npm ``/<package>/latest``: **built from the npm registry documentation** (``version``,
  ``dist.tarball``, ``dist.shasum``, ``dist.integrity``);
* Recherche d'entreprises: the **recorded** answers (``sirene/recherche_entreprises/``);
  other ids get the API's empty answer.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import tarfile
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import orjson

from ancrage.fetch import cog, decp, laposte, sirene
from ancrage.fetch.endpoints import Endpoints
from tests.fetch.replay import Replay, Reply, Request

TODAY = date(2026, 12, 7)  # the day the tests run on (the machine's date)
VERSION = "2026-12-01T05:15:00.000000+00:00"
TABULAR_CSV = "decp/tabular/decp_2024H2_travaux_cpv4521_filtered.csv"
BOAMP_PAGE = "notices/boamp/ods_api_v2_1/boamp-where-date_2026-01-21_fnsimple.json"
RECORDED_DAY = date(2026, 1, 21)
FRENCH_TED = (
    "2024-OJS015-00041387.xml",
    "2024-OJS044-00129266.xml",
    "2024-OJS074-00219998.xml",
)
_INT_COLUMNS = {"montant", "dureeMois", "offresRecues"}
_DAY = re.compile(r"dateparution = date'(\d{4}-\d{2}-\d{2})'")
_TED_DAY = re.compile(r"publication-date = (\d{8})")
_DATE = re.compile(r"\b(20\d\d-\d\d-\d\d)")


def publication_number(file_name: str) -> str:
    """``2024-OJS015-00041387.xml`` -> ``41387-2024`` (TED's number, no zero padding)."""
    year, _, number = Path(file_name).stem.split("-")[:3]
    return f"{int(number)}-{year}"


def tabular_rows(shared: Path) -> list[dict[str, Any]]:
    with (shared / TABULAR_CSV).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for i, row in enumerate(rows, 1):
        typed: dict[str, Any] = {"__id": i}
        for key, value in row.items():
            if value == "":
                typed[key] = None
            elif key in _INT_COLUMNS and value.isdigit():
                typed[key] = int(value)
            else:
                typed[key] = value
        out.append(typed)
    return out


def tabular_parquet(shared: Path, tmp: Path) -> bytes:
    out = tmp / "decp.parquet"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * FROM read_csv('{shared / TABULAR_CSV}', all_varchar = true)) "
        f"TO '{out}' (FORMAT parquet)"
    )
    con.close()
    return out.read_bytes()


def boamp_records(shared: Path, day: date | None = None) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = orjson.loads((shared / BOAMP_PAGE).read_bytes())["data"][
        "results"
    ]
    if day is None:
        return records
    delta = day - RECORDED_DAY

    def move(found: re.Match[str]) -> str:
        return (date.fromisoformat(found.group(1)) + delta).isoformat()

    return [orjson.loads(_DATE.sub(move, orjson.dumps(r).decode())) for r in records]


def cog_tarball(shared: Path, version: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        folder = shared / "geo" / "decoupage-administratif-6.0.0"
        for name in cog.DATA_FILES:
            tar.add(folder / name, arcname=f"package/data/{name}")
        package = orjson.dumps({"name": cog.PACKAGE, "version": version})
        info = tarfile.TarInfo("package/package.json")
        info.size = len(package)
        tar.addfile(info, io.BytesIO(package))
    return buf.getvalue()


class Mirror:
    def __init__(self, replay: Replay, shared: Path) -> None:
        self.replay, self.shared = replay, shared
        live = shared / "live" / "datagouv"
        dataset = "api1_dataset_catalogue-des-donnees-de-data-gouv-fr_2025-04-07.json"
        self.dataset_template = orjson.loads((live / dataset).read_bytes())
        self.resource_template = orjson.loads(
            (live / "api1_resource_322d1475_export-dataservice_2025-04-07.json").read_bytes()
        )
        self.envelope_template = orjson.loads(
            (live / "api2_resource_322d1475_export-dataservice_2025-04-07.json").read_bytes()
        )
        self.ted_template = orjson.loads(
            (shared / "live/ted/search_v3_ND-PD-RN_67623-2023_op-fixture_2024-02.json").read_bytes()
        )
        self.boamp_by_day: dict[str, list[dict[str, Any]]] = {}
        self.ted_by_day: dict[str, list[dict[str, Any]]] = {}
        self.tokens: dict[str, tuple[str, int]] = {}
        self.tabular: list[dict[str, Any]] = []
        boamp = "/boamp/api/explore/v2.1/catalog/datasets/boamp"
        replay.route(f"{boamp}/records", self._boamp_records)
        replay.route(f"{boamp}/exports/json", self._boamp_export)
        replay.route("/ted_api/v3/notices/search", self._ted_search)
        replay.route(f"/tabular/api/resources/{decp.TABULAR_CSV}/data/", self._tabular_page)
        replay.route("/recherche_entreprises/search", self._recherche)

    @property
    def url(self) -> str:
        return self.replay.url

    def endpoints(self) -> Endpoints:
        base = self.replay.url
        return Endpoints(
            datagouv=f"{base}/datagouv",
            tabular=f"{base}/tabular",
            boamp=f"{base}/boamp",
            ted_api=f"{base}/ted_api",
            ted_web=f"{base}/ted_web",
            npm=f"{base}/npm",
            recherche_entreprises=f"{base}/recherche_entreprises",
        )

    def env(self) -> dict[str, str]:
        return {"ANCRAGE_SOURCES_MIRROR": self.replay.url, "ANCRAGE_FETCH_INTERVAL": "0"}

    # -- data.gouv.fr ---------------------------------------------------------------------------
    def resource(
        self, rid: str, title: str, data: bytes, fmt: str, version: str = VERSION
    ) -> dict[str, Any]:
        """Serve ``data`` as a static file and as resource ``rid`` (API v2); its API object."""
        url = self.replay.file(f"/static/resources/{rid}/{title}", data)
        res = dict(self.resource_template)
        res.update(
            id=rid,
            title=title,
            format=fmt,
            url=url,
            latest=f"{self.replay.url}/datagouv/fr/datasets/r/{rid}",
            filesize=len(data),
            checksum={"type": "sha1", "value": hashlib.sha1(data).hexdigest()},
            last_modified=version,
        )
        envelope = dict(self.envelope_template)
        envelope["resource"] = res
        self.replay.route(
            f"/datagouv/api/2/datasets/resources/{rid}/", lambda _r: Reply.json(envelope)
        )
        return res

    def dataset(self, dataset_id: str, resources: list[dict[str, Any]]) -> None:
        body = dict(self.dataset_template)
        body.update(id=dataset_id, resources=resources)
        self.replay.route(f"/datagouv/api/1/datasets/{dataset_id}/", lambda _r: Reply.json(body))

    def decp_national(self, parquet: bytes, version: str = VERSION) -> None:
        self.resource(decp.TABULAR_PARQUET, "decp.parquet", parquet, "parquet", version)

    def decp_tabular(self, rows: list[dict[str, Any]], version: str = VERSION) -> None:
        self.tabular = rows
        self.resource(decp.TABULAR_CSV, "decp.csv", b"uid,id\n", "csv", version)

    def decp_official(self, files: dict[str, bytes], version: str = VERSION) -> None:
        resources = [
            self.resource(f"off-{i}", title, data, title.rsplit(".", 1)[-1], version)
            for i, (title, data) in enumerate(sorted(files.items()))
        ]
        self.dataset(decp.OFFICIAL_DATASET, resources)

    def laposte(self, data: bytes, version: str = VERSION) -> None:
        res = self.resource("laposte-1", "laposte_hexasmal.csv", data, "csv", version)
        self.dataset(laposte.DATASET, [res])

    def sirene(self, files: dict[str, bytes], version: str = VERSION) -> None:
        for name, rid in sirene.STOCK_FILES.items():
            self.resource(rid, f"{name}.parquet", files[name], "parquet", version)

    def npm(self, version: str, tarball: bytes | None = None) -> None:
        data = tarball or b""
        url = self.replay.file(f"/npm/tarballs/decoupage-administratif-{version}.tgz", data)
        body = {
            "name": cog.PACKAGE,
            "version": version,
            "dist": {
                "tarball": url,
                "shasum": hashlib.sha1(data).hexdigest(),
                "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
            },
        }
        self.replay.route(
            f"/npm/{cog.PACKAGE.replace('/', '%2f')}/latest", lambda _r: Reply.json(body)
        )
        self.replay.route(f"/npm/{cog.PACKAGE}/latest", lambda _r: Reply.json(body))

    # -- BOAMP, TED ------------------------------------------------------------------------------
    def boamp(self, records: list[dict[str, Any]]) -> None:
        for record in records:
            self.boamp_by_day.setdefault(record["dateparution"], []).append(record)

    def ted(self, day: date, files: list[Path]) -> None:
        items = self.ted_by_day.setdefault(day.strftime("%Y%m%d"), [])
        template = self.ted_template["notices"][0]
        for path in files:
            number = publication_number(path.name)
            xml = self.replay.file(f"/ted_web/en/notice/{number}/xml", path.read_bytes())
            item = {k: v for k, v in template.items() if k not in ("ND", "PD", "RN")}
            item.update({"publication-number": number, "publication-date": f"{day}+01:00"})
            item["links"] = {**template["links"], "xml": {"MUL": xml}}
            items.append(item)

    def _boamp_matching(self, request: Request) -> list[dict[str, Any]] | Reply:
        where = request.arg("where") or ""
        found = _DAY.fullmatch(where.strip())
        if found is None:
            return Reply.json(
                {"error_code": "ODSQLError", "message": "ODSQL syntax exception"}, 400
            )
        records = self.boamp_by_day.get(found.group(1), [])
        refine = request.arg("refine")
        if refine is not None:
            value = refine.split(":", 1)[1]
            records = [r for r in records if value in (r.get("code_departement") or [])]
        return sorted(records, key=lambda r: r["idweb"])

    def _boamp_records(self, request: Request) -> Reply:
        records = self._boamp_matching(request)
        if isinstance(records, Reply):
            return records
        offset, limit = int(request.arg("offset", "0") or 0), int(request.arg("limit", "10") or 10)
        if offset + limit > 10_000:
            return Reply.json({"error_code": "InvalidRESTParameterError"}, 400)
        return Reply.json(
            {"total_count": len(records), "results": records[offset : offset + limit]}
        )

    def _boamp_export(self, request: Request) -> Reply:
        records = self._boamp_matching(request)
        return records if isinstance(records, Reply) else Reply.json(records)

    def _ted_search(self, request: Request) -> Reply:
        body = request.json()
        token = body.get("iterationNextToken")
        if token is not None:
            if token not in self.tokens:
                return Reply.json({"message": "Internal Server Error"}, 500)
            day, offset = self.tokens.pop(token)
        else:
            found = _TED_DAY.search(body["query"])
            day, offset = (found.group(1) if found else ""), 0
        notices = self.ted_by_day.get(day, [])
        limit = int(body.get("limit", 10))
        page = notices[offset : offset + limit]
        following = None
        if offset + limit < len(notices):
            following = hashlib.sha1(f"{day}:{offset + limit}".encode()).hexdigest()
            self.tokens[following] = (day, offset + limit)
        return Reply.json(
            {"notices": page, "totalNoticeCount": len(notices), "iterationNextToken": following}
        )

    # -- tabular API, Recherche d'entreprises --------------------------------------------------
    def _tabular_page(self, request: Request) -> Reply:
        rows = self.tabular
        for key, values in request.query.items():
            if "__" not in key:
                continue
            column, op = key.split("__", 1)
            value = values[0]
            if op == "exact":
                rows = [r for r in rows if str(r.get(column)) == value]
            elif op == "greater":
                rows = [r for r in rows if r.get(column) is not None and str(r[column]) >= value]
            elif op == "less":
                rows = [r for r in rows if r.get(column) is not None and str(r[column]) <= value]
            else:
                return Reply.json({"errors": [f"unknown operator {op}"]}, 400)
        page, size = int(request.arg("page", "1") or 1), int(request.arg("page_size", "20") or 20)
        if size > 200:
            return Reply.json({"errors": ["page_size must be <= 200"]}, 400)
        data = rows[(page - 1) * size : page * size]
        following = None if page * size >= len(rows) else f"?page={page + 1}"
        return Reply.json(
            {
                "data": data,
                "links": {"next": following, "prev": None},
                "meta": {"page": page, "page_size": size, "total": len(rows)},
            }
        )

    def _recherche(self, request: Request) -> Reply:
        q = request.arg("q") or ""
        folder = self.shared / "sirene" / "recherche_entreprises"
        for path in folder.glob(f"search_{q[:9]}_*.json"):
            return Reply(200, path.read_bytes(), {"Content-Type": "application/json"})
        return Reply.json(
            {"results": [], "total_results": 0, "page": 1, "per_page": 10, "total_pages": 0}
        )


def serve_everything(mirror: Mirror, tmp: Path, stock: dict[str, bytes]) -> None:
    """Every source at once, as on the day ``TODAY`` of the tests (BOAMP moved to that day)."""
    shared = mirror.shared
    mirror.npm("6.0.0")
    mirror.laposte((shared / "geo" / "laposte_hexasmal_2022.csv").read_bytes())
    mirror.decp_tabular(tabular_rows(shared))
    mirror.decp_national(tabular_parquet(shared, tmp))
    mirror.sirene(stock)
    mirror.boamp(boamp_records(shared, day=TODAY))
    mirror.ted(TODAY, [shared / "notices" / "ted_eforms" / "real" / n for n in FRENCH_TED])


def prepare_home(home: Path) -> None:
    """A data home with one watch profile (works in the Nord)."""
    from ancrage.settings import Settings
    from ancrage.watch.db import open_db
    from ancrage.watch.model import Profile
    from ancrage.watch.profiles import add_profile

    home.mkdir(parents=True, exist_ok=True)
    engine = open_db(Settings.resolve(home))
    add_profile(
        engine, Profile(name="btp-nord", email="veille@example.fr", cpv=["45"], departements=["59"])
    )
    engine.dispose()
