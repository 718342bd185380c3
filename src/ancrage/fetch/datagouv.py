"""The data.gouv.fr API (udata): datasets, their resources, and a resource by id.

* ``GET /api/1/datasets/<id or slug>/``: the dataset with its ``resources`` embedded;
* ``GET /api/2/datasets/resources/<resource id>/``: ``{"resource": {…}, "dataset_id": …}``, a
  resource found from its id alone (the v2 way; v1 objects embedding big lists may not answer).

A resource carries ``url`` (the file itself, on static.data.gouv.fr for uploads), ``filesize``,
``last_modified`` and ``checksum`` (``{"type": "sha1", "value": …}``, computed at upload;
``null`` for remote resources). Downloads are checked against ``checksum`` and ``filesize``,
never against ``extras["analysis:…"]``, which describe data.gouv.fr's own last crawl and lag.
API answers carry no ``ETag`` / ``Last-Modified``: a resource's ``last_modified`` is the version
recorded in the manifest, and the file is downloaded again only when it changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ancrage.fetch.download import Checksum
from ancrage.fetch.endpoints import Endpoints
from ancrage.fetch.errors import SourceChangedError
from ancrage.fetch.http import Http

WHAT = "l'API de data.gouv.fr"
_HASHES = {"sha1", "sha256", "md5", "sha512"}


@dataclass(frozen=True)
class Resource:
    id: str
    title: str
    format: str
    url: str
    filesize: int | None
    checksum: Checksum | None
    last_modified: str | None

    @classmethod
    def from_json(cls, data: Any, where: str) -> Resource:
        if not isinstance(data, dict) or not all(
            isinstance(data.get(k), str) and data.get(k) for k in ("id", "url")
        ):
            raise _changed(f"une ressource sans id ni url ({where})")
        checksum = data.get("checksum")
        pair: Checksum | None = None
        if isinstance(checksum, dict) and isinstance(checksum.get("value"), str):
            kind = str(checksum.get("type", "")).lower()
            if kind in _HASHES:
                pair = (kind, checksum["value"])
        size = data.get("filesize")
        return cls(
            id=data["id"],
            title=str(data.get("title") or ""),
            format=str(data.get("format") or "").lower(),
            url=data["url"],
            filesize=size if isinstance(size, int) and size > 0 else None,
            checksum=pair,
            last_modified=data.get("last_modified")
            if isinstance(data.get("last_modified"), str)
            else None,
        )


def _changed(what: str) -> SourceChangedError:
    return SourceChangedError(
        f"{WHAT} a répondu dans un format inattendu : {what}",
        hint="L'API a peut-être changé ; rien n'a été écrit. Signalez-le si cela persiste.",
    )


def dataset_resources(http: Http, endpoints: Endpoints, dataset: str) -> list[Resource]:
    """The resources of a dataset (id or slug)."""
    body = http.get_json(f"{endpoints.datagouv}/api/1/datasets/{dataset}/", what=WHAT)
    if not isinstance(body, dict) or not isinstance(body.get("resources"), list):
        raise _changed(f"le jeu de données {dataset} n'a pas de liste resources")
    return [Resource.from_json(r, f"jeu de données {dataset}") for r in body["resources"]]


def resource(http: Http, endpoints: Endpoints, resource_id: str) -> Resource:
    """One resource by id (API v2)."""
    body = http.get_json(f"{endpoints.datagouv}/api/2/datasets/resources/{resource_id}/", what=WHAT)
    if not isinstance(body, dict) or "resource" not in body:
        raise _changed(f"pas d'objet resource pour la ressource {resource_id}")
    return Resource.from_json(body["resource"], f"ressource {resource_id}")
