"""TED: the Search API v3 (expert query, iteration token), then each notice's eForms XML.

``POST https://api.ted.europa.eu/v3/notices/search`` with an expert query for notices with a
French buyer or a place of performance in France, published on one day::

    (buyer-country IN (FRA) OR place-of-performance-country-proc IN (FRA)
     OR place-of-performance-country-lot IN (FRA)) AND publication-date = 20261207

in iteration mode (``paginationMode: ITERATION``, 250 notices per page, the answer's
``iterationNextToken`` passed back until it is ``null``): unlike page numbers, iteration has no
15,000-notice ceiling. Then each notice's XML from its ``links.xml.MUL`` (else
``https://ted.europa.eu/en/notice/<publication-number>/xml``) into
``downloads/ted/<day>/<publication-number>.xml``; a notice already downloaded is not asked
again (a published notice never changes: a change notice has its own number).

Days and cursor as for BOAMP. ``--territory``: TED is searched for the whole of France (a
département has no code in TED's query language; the watch matches the place of each notice).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from ancrage.fetch.base import FetchContext, FetchedFile, FetchRequest
from ancrage.fetch.boamp import days_to_fetch
from ancrage.fetch.errors import FetchError, SourceChangedError

WHAT = "l'API de recherche de TED"
WHAT_XML = "TED (avis XML)"
FIELDS = ["publication-number", "publication-date"]
LIMIT = 250
FRANCE = (
    "(buyer-country IN (FRA) OR place-of-performance-country-proc IN (FRA) "
    "OR place-of-performance-country-lot IN (FRA))"
)
_PUBLICATION_NUMBER = re.compile(r"^\d{1,8}-\d{4}$")
_CHANGED_HINT = "L'API de TED a peut-être changé ; rien n'a été écrit pour ce jour. Signalez-le."


def query_for(day: date) -> str:
    return f"{FRANCE} AND publication-date = {day.strftime('%Y%m%d')}"


def check_notice_xml(path: Path) -> None:
    """Refuse a downloaded notice that is not eForms XML."""
    from ancrage.notices import ted

    with path.open("rb") as fh:
        head = fh.read(65536)
    if not ted.sniff(head, path):
        raise SourceChangedError(
            "TED a servi autre chose qu'un avis eForms (XML UBL)",
            file=path.with_suffix("") if path.suffix == ".part" else path,
            hint="L'adresse des avis XML a peut-être changé ; rien n'a été gardé. Signalez-le.",
        )


def _notices(body: Any, day: date) -> tuple[list[dict[str, Any]], str | None]:
    if not isinstance(body, dict) or not isinstance(body.get("notices"), list):
        raise SourceChangedError(
            f"{WHAT} a répondu sans liste notices ({day.isoformat()})", hint=_CHANGED_HINT
        )
    if body.get("timedOut") is True:
        raise FetchError(
            f"{WHAT} a interrompu la recherche (timedOut) pour le {day.isoformat()}",
            hint="TED est surchargé ; relancez plus tard, le jour sera repris.",
        )
    for notice in body["notices"]:
        number = notice.get("publication-number") if isinstance(notice, dict) else None
        if not isinstance(number, str) or not _PUBLICATION_NUMBER.match(number):
            raise SourceChangedError(
                f"{WHAT} a répondu un avis sans numéro de publication lisible "
                f"({day.isoformat()} : {number!r})",
                hint=_CHANGED_HINT,
            )
    token = body.get("iterationNextToken")
    return body["notices"], token if isinstance(token, str) and token else None


def xml_url(ctx: FetchContext, notice: dict[str, Any]) -> str:
    links = notice.get("links")
    xml = links.get("xml") if isinstance(links, dict) else None
    url = xml.get("MUL") if isinstance(xml, dict) else None
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        return url
    return f"{ctx.endpoints.ted_web}/en/notice/{notice['publication-number']}/xml"


class Ted:
    name = "ted"
    label = "TED : avis européens d'acheteurs français ou exécutés en France (eForms)"

    def fetch(self, ctx: FetchContext, request: FetchRequest) -> list[FetchedFile]:
        if request.territory is not None:
            ctx.note(
                "TED : avis de toute la France (TED ne filtre pas par département) ; la veille "
                "retient ensuite ceux du territoire."
            )
        cursor = ctx.cursor(self.name)
        files = []
        for day in days_to_fetch(request, cursor, "france"):
            for notice in self._search(ctx, day):
                number = notice["publication-number"]
                target = ctx.folder(self.name) / day.isoformat() / f"{number}.xml"
                entry = ctx.manifest.entry(target)
                if entry is not None and target.is_file():
                    continue
                files.append(
                    ctx.download(
                        self.name,
                        "notices",
                        xml_url(ctx, notice),
                        target,
                        what=WHAT_XML,
                        version=number,
                        validate=check_notice_xml,
                        save=False,  # one save per day (cursor): a day has hundreds of notices
                    )
                )
            cursor.update({"scope": "france", "day": day.isoformat()})
            ctx.save()
        return files

    def _search(self, ctx: FetchContext, day: date) -> list[dict[str, Any]]:
        url = f"{ctx.endpoints.ted_api}/v3/notices/search"
        body: dict[str, Any] = {
            "query": query_for(day),
            "fields": FIELDS,
            "limit": LIMIT,
            "scope": "ALL",
            "paginationMode": "ITERATION",
            "checkQuerySyntax": False,
        }
        found: dict[str, dict[str, Any]] = {}
        while True:
            notices, token = _notices(ctx.http.post_json(url, body, what=WHAT), day)
            for notice in notices:
                found.setdefault(notice["publication-number"], notice)
            if token is None or not notices:
                return [found[k] for k in sorted(found)]
            body["iterationNextToken"] = token
