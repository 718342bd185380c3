"""ancrage serve / ancrage worker: the web application and its scheduled jobs."""

from __future__ import annotations

from typing import Annotated

import typer

from ancrage.cli.common import HomeOption, err, settings
from ancrage.cli.fetch import territory_of

UpdateTerritory = Annotated[
    str | None,
    typer.Option(
        "--territory",
        metavar="TERRITOIRE",
        help="Territoire de la mise à jour quotidienne (comme « ancrage update --territory ») : "
        "dep:86, reg:75… ; défaut : toute la France.",
    ),
]
MAX_WORKERS = 8
# Idle connections kept open this long: a reader's next page a few seconds later reuses its
# connection (uvicorn's default, 5 s, closes it just before; a proxy in front keeps its own).
KEEP_ALIVE_S = 20


def default_workers() -> int:
    """One server process per core this process may use (at most :data:`MAX_WORKERS`)."""
    import os

    usable = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )
    return max(1, min(usable, MAX_WORKERS))


def serve(
    home: HomeOption = None,
    host: Annotated[str, typer.Option("--host", help="Adresse d'écoute.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port d'écoute.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="Processus serveurs (défaut : un par cœur, au plus 8).",
            min=1,
            max=64,
        ),
    ] = None,
    with_worker: Annotated[
        bool,
        typer.Option(
            "--worker/--no-worker",
            help="Lancer aussi les tâches planifiées (mise à jour quotidienne des données et "
            "veille, e-mails) dans ce processus.",
        ),
    ] = True,
    territory: UpdateTerritory = None,
) -> None:
    """Application web et API (/api/v1) : observatoire, marchés, appels d'offres, veille.
    Base de l'application : SQLite dans le dossier de données, ou ANCRAGE_DATABASE_URL."""
    import os
    import threading

    from ancrage.settings import HOME_ENV
    from ancrage.web import logs
    from ancrage.web.config import WebConfig
    from ancrage.web.db import open_app_db
    from ancrage.web.serving import Listen, check_port, serve_processes
    from ancrage.web.worker import UpdatePlan, run_forever

    plan = UpdatePlan(territory=territory_of(territory))
    config = WebConfig.resolve(settings(home))
    listen = Listen(host=host, port=port, keep_alive_s=KEEP_ALIVE_S)
    processes = workers or default_workers()
    check_port(listen)  # a taken port: one French line before anything starts
    os.environ[HOME_ENV] = str(config.settings.home)  # each server process reads it
    open_app_db(config)  # a database problem stops here, in one French line
    logs.setup()
    stop = threading.Event()
    if with_worker:
        threading.Thread(
            target=run_forever, args=(config, stop), kwargs={"plan": plan}, daemon=True
        ).start()
    err().print(f"Ancrage sert sur http://{host}:{port}/ (arrêt : Ctrl+C)")
    try:
        serve_processes(listen, processes)
    finally:
        stop.set()


def worker(home: HomeOption = None, territory: UpdateTerritory = None) -> None:
    """Tâches planifiées sans serveur web : chaque jour la mise à jour des données (celle
    d'« ancrage update » : téléchargement, chargement, enrichissement, avis, veille et
    alertes), chaque minute les e-mails de compte (Ctrl+C pour arrêter)."""
    import threading

    from ancrage.web import logs
    from ancrage.web.config import WebConfig
    from ancrage.web.db import open_app_db
    from ancrage.web.worker import UpdatePlan, run_forever

    plan = UpdatePlan(territory=territory_of(territory))
    config = WebConfig.resolve(settings(home))
    open_app_db(config)
    logs.setup()
    err().print("Tâches planifiées lancées (arrêt : Ctrl+C)")
    stop = threading.Event()
    try:
        run_forever(config, stop, plan=plan)
    except KeyboardInterrupt:
        stop.set()
