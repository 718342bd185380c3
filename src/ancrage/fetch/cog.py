"""COG: the geography refreshed when its publisher releases a new version.

Ancrage ships the COG built from the npm package ``@etalab/decoupage-administratif`` (see
``data/geo/SOURCES.md``). This connector asks the npm registry for the package's latest version
(``GET /@etalab%2fdecoupage-administratif/latest``); when it is newer than the COG in use, it
downloads the tarball (checked against the registry's ``dist.integrity`` / ``dist.shasum``),
builds the same files as the shipped ones (:func:`ancrage.geo.build.build`) into
``<reference>/geo/<version>/`` and then points ``<reference>/geo/current`` at it (atomic).
The enrichment reads that folder instead of the shipped one (:func:`installed_dir`).
"""

from __future__ import annotations

import base64
import re
import shutil
import tarfile
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from ancrage.fetch.base import FetchContext, FetchedFile, FetchRequest
from ancrage.fetch.download import Checksum
from ancrage.fetch.errors import SourceChangedError
from ancrage.fetch.manifest import write_atomic
from ancrage.geo.build import CURRENT_POINTER, installed_dir

PACKAGE = "@etalab/decoupage-administratif"
WHAT = "le registre npm (COG, @etalab/decoupage-administratif)"
DATA_FILES = ("communes.json", "epci.json", "departements.json", "regions.json",
              "arrondissements.json")  # fmt: skip
MIN_COMMUNES = 30_000  # a COG with fewer current communes is not a COG
_VERSION = re.compile(r"^\d+(\.\d+){0,2}$")
_CHANGED_HINT = "Le paquet du COG a peut-être changé de forme ; le COG en place est gardé."


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def shipped_version() -> str:
    """The package version the shipped COG was built from (``data/geo/SOURCES.md``)."""
    text = resources.files("ancrage").joinpath("data", "geo", "SOURCES.md").read_text("utf-8")
    found = re.search(r"version \*\*([\d.]+)\*\*", text)
    return found.group(1) if found else "0"


def current_version(reference_dir: Path) -> str:
    folder = installed_dir(reference_dir)
    return folder.name if folder is not None else shipped_version()


def _checksum(dist: dict[str, Any]) -> Checksum | None:
    integrity = dist.get("integrity")
    if isinstance(integrity, str) and integrity.startswith("sha512-"):
        return ("sha512", base64.b64decode(integrity[7:]).hex())
    shasum = dist.get("shasum")
    return ("sha1", shasum) if isinstance(shasum, str) else None


def _check_tarball(path: Path) -> None:
    try:
        with tarfile.open(path, "r:gz") as tar:
            names = set(tar.getnames())
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise SourceChangedError(
            f"l'archive du COG est illisible ({type(exc).__name__})", hint=_CHANGED_HINT
        ) from exc
    missing = [n for n in DATA_FILES if f"package/data/{n}" not in names]
    if missing:
        raise SourceChangedError(
            f"l'archive du COG n'a pas le fichier data/{missing[0]}", hint=_CHANGED_HINT
        )


class Cog:
    name = "cog"
    label = "COG : communes, EPCI, départements et régions (INSEE)"

    def fetch(self, ctx: FetchContext, request: FetchRequest) -> list[FetchedFile]:
        del request
        url = f"{ctx.endpoints.npm}/{PACKAGE.replace('/', '%2f')}/latest"
        meta = ctx.http.get_json(url, what=WHAT)
        dist = meta.get("dist") if isinstance(meta, dict) else None
        version = meta.get("version") if isinstance(meta, dict) else None
        tarball = dist.get("tarball") if isinstance(dist, dict) else None
        if not (isinstance(version, str) and _VERSION.match(version) and isinstance(tarball, str)):
            raise SourceChangedError(
                f"{WHAT} a répondu sans version ni archive", hint=_CHANGED_HINT
            )
        assert isinstance(dist, dict)
        reference = ctx.settings.reference_dir
        current = current_version(reference)
        if version_key(version) <= version_key(current):
            ctx.note(f"COG : à jour (version {current} du paquet).")
            return []
        archive = ctx.folder(self.name) / f"decoupage-administratif-{version}.tgz"
        got = ctx.download(
            self.name,
            "cog-archive",
            tarball,
            archive,
            what=WHAT,
            version=version,
            checksum=_checksum(dist),
            validate=_check_tarball,
        )
        folder = self._install(archive, reference / "geo", version)
        ctx.note(f"COG : version {version} installée (remplace la version {current}).")
        return [FetchedFile(self.name, "cog", folder, "new", got.size, tarball, got.resumed_from)]

    @staticmethod
    def _install(archive: Path, geo_dir: Path, version: str) -> Path:
        from ancrage.geo.build import build

        geo_dir.mkdir(parents=True, exist_ok=True)
        folder = geo_dir / version
        with tempfile.TemporaryDirectory(dir=geo_dir) as tmp:
            data_dir = Path(tmp) / "data"
            data_dir.mkdir()
            with tarfile.open(archive, "r:gz") as tar:
                for name in DATA_FILES:
                    member = tar.extractfile(f"package/data/{name}")
                    assert member is not None
                    (data_dir / name).write_bytes(member.read())
            built = Path(tmp) / "built"
            try:
                counts = build(data_dir, built)
            except (KeyError, TypeError, ValueError) as exc:
                raise SourceChangedError(
                    f"le COG {version} n'a pas la forme attendue ({type(exc).__name__}: {exc})",
                    hint=_CHANGED_HINT,
                ) from exc
            if counts["communes"] < MIN_COMMUNES:
                raise SourceChangedError(
                    f"le COG {version} ne compte que {counts['communes']} communes",
                    hint=_CHANGED_HINT,
                )
            shutil.rmtree(folder, ignore_errors=True)
            built.replace(folder)
        write_atomic(geo_dir / CURRENT_POINTER, version.encode())
        return folder
