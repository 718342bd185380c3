"""Where each source lives on the web, overridable for a mirror or a replay server.

Every base URL can be set by an environment variable ``ANCRAGE_URL_<NAME>`` (e.g.
``ANCRAGE_URL_BOAMP=http://127.0.0.1:8000/boamp``), or all at once by
``ANCRAGE_SOURCES_MIRROR=http://host:port``, which maps each source to ``<mirror>/<name>``. The
tests use the mirror to replay recorded answers from a local HTTP server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

MIRROR_ENV = "ANCRAGE_SOURCES_MIRROR"
URL_ENV_PREFIX = "ANCRAGE_URL_"


@dataclass(frozen=True)
class Endpoints:
    datagouv: str = "https://www.data.gouv.fr"  # API v1/v2 of data.gouv.fr (udata)
    tabular: str = "https://tabular-api.data.gouv.fr"  # data.gouv.fr tabular API
    boamp: str = "https://boamp-datadila.opendatasoft.com"  # Opendatasoft explore v2.1
    ted_api: str = "https://api.ted.europa.eu"  # TED Search API v3
    ted_web: str = "https://ted.europa.eu"  # TED notice XML
    npm: str = "https://registry.npmjs.org"  # @etalab/decoupage-administratif (COG)
    recherche_entreprises: str = "https://recherche-entreprises.api.gouv.fr"

    @classmethod
    def from_env(cls) -> Endpoints:
        mirror = os.environ.get(MIRROR_ENV, "").strip().rstrip("/")
        values: dict[str, str] = {}
        for f in fields(cls):
            env = os.environ.get(URL_ENV_PREFIX + f.name.upper(), "").strip().rstrip("/")
            if env:
                values[f.name] = env
            elif mirror:
                values[f.name] = f"{mirror}/{f.name}"
        return cls(**values)
