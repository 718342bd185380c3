"""``ancrage update``: fetch what is new, load it, enrich what changed, load notices, run the watch.

:func:`run_update` is the library function (the CLI and the web application's worker call it).
Its steps, in order:

1. **fetch** — each source through its connector (:mod:`ancrage.fetch.registry`); a source
   that fails is reported and the others go on; offline stops the run at once;
2. **load** — the DECP files of the manifest not yet in the warehouse (by sha256), then the
   earlier versions of files that were replaced (the national file, a territory's export) are
   forgotten by the warehouse, so a daily refresh does not pile up copies;
3. **enrich** — only when something it reads changed since the last enrichment (warehouse
   files, SIRENE stock, COG, La Poste, the API setting): the fingerprint of its inputs is kept in
   the manifest. SIRETs already known are not looked up again (facts cache); those the stock
   does not know are asked from the API « Recherche d'entreprises » when ``use_api``;
4. **notices** — the notice files of the manifest not yet in the notice store (by sha256);
5. **watch** — the open calls against the active profiles: alerts queued, and sent when SMTP
   is configured (``ANCRAGE_SMTP_HOST``).

Killed at any point, nothing is left half-done: downloads are atomic, each warehouse file is
committed in one step, each notice file in one transaction, every enrichment table and the
manifest are replaced atomically. The next run finds the pending work from the data itself —
files fetched but not loaded, versions not yet forgotten, an enrichment whose inputs changed,
notice files not stored — and finishes it; ``manifest.update`` says which steps the last run
completed.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from ancrage.errors import AncrageError
from ancrage.fetch.base import FetchRequest, NoProgress
from ancrage.fetch.download import ByteProgress
from ancrage.fetch.endpoints import Endpoints
from ancrage.fetch.errors import OfflineError
from ancrage.fetch.http import Http
from ancrage.fetch.manifest import Manifest, downloads_dir, fetch_lock, now_text
from ancrage.fetch.registry import connector
from ancrage.fetch.run import Fetcher, SourceReport, pause_override
from ancrage.geo.territory import Territory
from ancrage.settings import Settings

STEPS = ("fetch", "load", "enrich", "notices", "watch")
STEP_LABELS = {
    "fetch": "téléchargement",
    "load": "chargement des DECP",
    "enrich": "enrichissement",
    "notices": "chargement des avis",
    "watch": "veille",
}
NATIONAL_SOURCES = ("cog", "laposte", "decp", "sirene", "boamp", "ted")
# With a territory the national SIRENE stock (~1 GB) is left out: the API answers for the few
# thousand SIRETs of a territory.
TERRITORY_SOURCES = ("cog", "laposte", "decp", "boamp", "ted")


def default_sources(territory: Territory | None) -> tuple[str, ...]:
    return NATIONAL_SOURCES if territory is None else TERRITORY_SOURCES


@dataclass
class UpdateReport:
    run_id: str
    started_at: str
    resumed: bool = False  # the previous run had stopped before its end
    territory: str | None = None
    steps: dict[str, str] = field(default_factory=dict)  # step -> fait / rien à faire / erreur
    fetch: list[SourceReport] = field(default_factory=list)
    decp_loaded: int = 0
    decp_files: list[dict[str, Any]] = field(default_factory=list)
    forgotten: int = 0
    enriched: bool = False
    notices_loaded: int = 0
    notice_files: list[dict[str, Any]] = field(default_factory=list)
    alerts_queued: int = 0
    alerts_sent: int | None = None
    errors: list[AncrageError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # what the warehouse found and repaired on the way in (a dead writer's lock taken over…)
    warehouse_notes: list[str] = field(default_factory=list)
    finished_at: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "resumed": self.resumed,
            "territory": self.territory,
            "steps": self.steps,
            "fetch": [r.as_json() for r in self.fetch],
            "decp_loaded": self.decp_loaded,
            "decp_files": self.decp_files,
            "forgotten_versions": self.forgotten,
            "enriched": self.enriched,
            "notices_loaded": self.notices_loaded,
            "notice_files": self.notice_files,
            "alerts_queued": self.alerts_queued,
            "alerts_sent": self.alerts_sent,
            "errors": [e.one_line() for e in self.errors],
            "notes": self.notes,
            "warehouse_notes": self.warehouse_notes,
        }


class UpdateProgress(ByteProgress, Protocol):
    """What an update tells while it runs: steps (French lines) and bytes of each file."""

    def step(self, text: str) -> None: ...


class _Quiet(NoProgress):
    def step(self, text: str) -> None:
        pass


def run_update(
    settings: Settings,
    *,
    territory: Territory | None = None,
    since: date | None = None,
    sources: Sequence[str] | None = None,  # None: default_sources(territory); (): fetch nothing
    use_api: bool = True,
    send_mail: bool = True,
    http: Http | None = None,
    endpoints: Endpoints | None = None,
    progress: UpdateProgress | None = None,
    today: date | None = None,
    now: datetime | None = None,
    database_url: str | None = None,
) -> UpdateReport:
    """One update of the data home (see the module docstring). Raises :class:`OfflineError`
    when a source cannot be reached at all; other errors are in ``UpdateReport.errors``.
    ``database_url``: the application database of the watch (default: the watch's own
    setting, ``ANCRAGE_DB_URL`` or SQLite in the data home)."""
    say: UpdateProgress = progress or _Quiet()
    for source in sources or ():
        connector(source)  # an unknown source is said before anything runs
    endpoints = endpoints or Endpoints.from_env()
    report = UpdateReport(uuid.uuid4().hex[:12], now_text())
    report.territory = territory.label if territory else None
    with fetch_lock(settings):
        manifest = Manifest(settings)
        previous = manifest.update
        report.resumed = bool(previous) and not previous.get("finished_at")
        manifest.update = {
            "run": report.run_id,
            "started_at": report.started_at,
            "territory": report.territory,
            "steps": {},
            "finished_at": None,
            "enrich_inputs": previous.get("enrich_inputs"),
        }
        manifest.save()
        fetcher = Fetcher(settings, http=http, endpoints=endpoints, progress=say, manifest=manifest)
        try:
            steps: list[tuple[str, Callable[[], str]]] = [
                ("fetch", lambda: _fetch(fetcher, report, territory, since, sources, today, say)),
                ("load", lambda: _load(settings, fetcher.manifest, report, say)),
                ("enrich", lambda: _enrich(settings, fetcher, report, use_api, say)),
                ("notices", lambda: _notices(settings, fetcher.manifest, report, say)),
                (
                    "watch",
                    lambda: _watch(settings, report, send_mail, now, say, database_url),
                ),
            ]
            for name, step in steps:
                try:
                    outcome = step()
                except OfflineError:
                    raise
                except AncrageError as exc:
                    report.errors.append(exc)
                    outcome = "erreur"
                report.steps[name] = outcome
                fetcher.manifest.update["steps"][name] = outcome
                fetcher.manifest.save()
            report.finished_at = now_text()
            fetcher.manifest.update["finished_at"] = report.finished_at
            fetcher.manifest.save()
        finally:
            if http is None:
                fetcher.http.close()
    return report


# -- 1. fetch ----
def _fetch(
    fetcher: Fetcher,
    report: UpdateReport,
    territory: Territory | None,
    since: date | None,
    sources: Sequence[str] | None,
    today: date | None,
    say: UpdateProgress,
) -> str:
    request = FetchRequest(today=today or date.today(), since=since, territory=territory)
    for source in default_sources(territory) if sources is None else sources:
        say.step(f"Téléchargement : {source}")
        result = fetcher.run(source, request)
        report.fetch.append(result)
        report.notes += result.notes
        if result.error is not None:
            report.errors.append(result.error)
    return "erreur" if any(r.error for r in report.fetch) else "fait"


# -- 2. DECP into the warehouse ----
def _warehouse_files(settings: Settings) -> tuple[int, list[str]] | None:
    """The warehouse's generation and the sha256 of its files; ``None`` when it is empty."""
    from ancrage.errors import WarehouseError
    from ancrage.warehouse.store import Warehouse

    try:
        con = Warehouse(settings).connect()
    except WarehouseError as exc:
        if exc.message != "l'entrepôt est vide":
            raise
        return None
    try:
        files = sorted(r[0] for r in con.execute("SELECT sha256 FROM loaded_files").fetchall())
        return Warehouse.generation(con) or 0, files
    finally:
        con.close()


def _loaded_shas(settings: Settings) -> set[str]:
    found = _warehouse_files(settings)
    return set(found[1]) if found else set()


def _load(settings: Settings, manifest: Manifest, report: UpdateReport, say: UpdateProgress) -> str:
    from ancrage.ingest.pipeline import default_workers, load_paths

    files = manifest.of_kind("decp")
    loaded = _loaded_shas(settings)
    todo = [path for path, entry in files if entry.sha256 not in loaded]
    failed = False
    if todo:
        say.step(f"Chargement de {len(todo)} fichier(s) DECP dans l'entrepôt")
        result = load_paths(settings, todo, progress=say, workers=default_workers())
        report.decp_files = [r.as_json() for r in result.reports]
        report.decp_loaded = sum(1 for r in result.reports if not r.already_loaded)
        report.errors += result.errors
        report.warehouse_notes += result.notes
        failed = bool(result.errors)
        loaded = _loaded_shas(settings)
    stale = {
        old[:20]
        for _, entry in files
        if entry.sha256 in loaded and entry.replaced
        for old in entry.replaced
    }
    if stale:
        say.step(f"Retrait de {len(stale)} version(s) remplacée(s) de l'entrepôt")
        report.forgotten = forget_files(settings, sorted(stale), report.warehouse_notes)
    for _, entry in files:
        if entry.sha256 in loaded:
            entry.replaced = None
    manifest.save()
    if failed:
        return "erreur"
    return "fait" if todo or stale else "rien à faire"


def forget_files(
    settings: Settings, file_ids: Sequence[str], notes: list[str] | None = None
) -> int:
    """Remove earlier versions of files from the warehouse and rebuild its tables; what the
    warehouse repaired on the way in goes to ``notes``.

    The removal is marked as begun, then the tables are rebuilt without those files and switched
    to with the manifest in one transaction; a process killed before the switch leaves the last
    complete generation to readers, and the next write finishes the removal.
    """
    from ancrage.warehouse.store import Warehouse

    warehouse = Warehouse(settings)
    if not warehouse.exists():
        return 0
    with warehouse.writing() as con:
        if notes is not None:
            notes += warehouse.notes
        marks = ", ".join("?" * len(file_ids))
        present = [
            r[0]
            for r in con.execute(
                f"SELECT file_id FROM loaded_files WHERE file_id IN ({marks})", list(file_ids)
            ).fetchall()
        ]
        if not present:
            return 0
        warehouse.begin_commit(con, forget=present)
        warehouse.materialise(con)
        warehouse.sweep(con)
    return len(present)


# -- 3. enrichment ----
def _enrich_inputs(settings: Settings, manifest: Manifest, use_api: bool) -> str | None:
    """A fingerprint of everything the enrichment reads; ``None`` when there is no warehouse."""
    from ancrage.geo.build import installed_dir
    from ancrage.warehouse.store import Warehouse

    found = _warehouse_files(settings)
    if found is None:
        return None
    generation, files = found
    warehouse = Warehouse(settings)
    parts: list[str] = [f"generation={generation}", *files, f"api={use_api}"]
    for _, entry in [*manifest.of_kind("sirene"), *manifest.of_kind("laposte")]:
        parts.append(entry.sha256)
    cog = installed_dir(settings.reference_dir)
    parts.append(f"cog={cog.name if cog else 'livré'}")
    spend = warehouse.enriched_dir / "spend.parquet"
    if spend.is_file():
        st = spend.stat()
        parts.append(f"spend={st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _enrich(
    settings: Settings, fetcher: Fetcher, report: UpdateReport, use_api: bool, say: UpdateProgress
) -> str:
    manifest = fetcher.manifest
    inputs = _enrich_inputs(settings, manifest, use_api)
    if inputs is None:
        report.notes.append("Enrichissement : pas encore de contrats dans l'entrepôt.")
        return "rien à faire"
    if inputs == manifest.update.get("enrich_inputs"):
        return "rien à faire"
    from ancrage.enrich import enrich

    stock = downloads_dir(settings) / "sirene"
    has_stock = len(manifest.of_kind("sirene")) >= 2
    client: Any = None
    if use_api:
        from ancrage.sirene.api import RechercheEntreprisesClient

        pause = pause_override()  # the API's own rate (~7/s) unless a mirror says otherwise
        rate = 7.0 if pause is None else (1 / pause if pause else 1e9)
        client = RechercheEntreprisesClient(
            settings.cache_dir / "sirene",
            base_url=fetcher.endpoints.recherche_entreprises,
            requests_per_second=rate,
        )
    say.step("Enrichissement (SIRENE, géographie, nomenclatures)")
    try:
        enriched = enrich(
            settings,
            stock_dir=stock if has_stock else None,
            use_api=use_api,
            api_client=client,
        )
    finally:
        if client is not None:
            client.close()
    report.warehouse_notes += enriched.notes
    report.enriched = True
    manifest.update["enrich_inputs"] = inputs
    manifest.save()
    return "fait"


# -- 4. notices ----
def _stored_shas(settings: Settings) -> set[str]:
    from ancrage.notices.store import NoticeStore, store_path

    if not store_path(settings).is_file():
        return set()
    with NoticeStore(settings).reading() as con:
        return {r[0] for r in con.execute("SELECT sha256 FROM files").fetchall()}


def _notices(
    settings: Settings, manifest: Manifest, report: UpdateReport, say: UpdateProgress
) -> str:
    from ancrage.notices.ingest import load_notices

    stored = _stored_shas(settings)
    todo = [path for path, entry in manifest.of_kind("notices") if entry.sha256 not in stored]
    for _, entry in manifest.of_kind("notices"):
        entry.replaced = None  # the notice store keys notices by id: nothing to forget
    if not todo:
        return "rien à faire"
    say.step(f"Chargement de {len(todo)} fichier(s) d'avis")
    reports = load_notices(settings, todo, say)
    report.notice_files = [r.as_json() for r in reports]
    report.notices_loaded = sum(r.loaded for r in reports)
    failed = [r.error for r in reports if r.error is not None]
    report.errors += _grouped(failed, report.notes)
    return "erreur" if failed else "fait"


def _grouped(errors: list[AncrageError], notes: list[str]) -> list[AncrageError]:
    """One error per distinct message (a missing eForms table fails every TED file alike);
    how many files share it goes to the notes. The files are tried again at the next run."""
    first: dict[str, AncrageError] = {}
    counts: dict[str, int] = {}
    for error in errors:
        first.setdefault(error.message, error)
        counts[error.message] = counts.get(error.message, 0) + 1
    for message, n in counts.items():
        if n > 1:
            notes.append(
                f"Avis : {n} fichiers n'ont pas pu être chargés pour la même raison ({message}) ; "
                "ils seront repris à la prochaine mise à jour."
            )
    return list(first.values())


# -- 5. watch ----
def _watch(
    settings: Settings,
    report: UpdateReport,
    send_mail: bool,
    now: datetime | None,
    say: UpdateProgress,
    database_url: str | None = None,
) -> str:
    from ancrage.notices.store import store_path

    if not store_path(settings).is_file():
        return "rien à faire"
    from sqlalchemy import func, select

    from ancrage.watch.db import open_db, profiles
    from ancrage.watch.mail import SmtpConfig
    from ancrage.watch.outbox import not_sent_error
    from ancrage.watch.retry import RetryPolicy
    from ancrage.watch.runner import run_watch

    engine = open_db(settings, database_url)
    with engine.connect() as con:
        active = con.execute(
            select(func.count()).select_from(profiles).where(profiles.c.active.is_(True))
        ).scalar_one()
    if not active:
        report.notes.append("Veille : aucun profil actif (créez-en avec « ancrage profile add »).")
        return "rien à faire"
    smtp = SmtpConfig.from_env() if send_mail and os.environ.get("ANCRAGE_SMTP_HOST") else None
    say.step(f"Veille : avis ouverts × {active} profil(s)")
    policy = RetryPolicy.from_env()
    result = run_watch(settings, engine, smtp=smtp, now=now or datetime.now(UTC), policy=policy)
    report.alerts_queued = result.enqueued
    report.alerts_sent = result.sent.alerts if result.sent else None
    if smtp is None and result.enqueued:
        report.notes.append(
            "Veille : alertes mises en file sans envoi (réglez ANCRAGE_SMTP_HOST pour les "
            "envoyer par e-mail)."
        )
    trouble = not_sent_error(result.sent, policy) if result.sent else None
    if trouble is not None:  # the alerts wait in the outbox: the update says so
        report.errors.append(trouble)
        return "erreur"
    return "fait"
