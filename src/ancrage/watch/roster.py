"""Profiles of many firms from one CSV file (an advisor's list): one line per firm.

Columns (French headers, in any order, accents and case aside): ``nom`` (required), ``siret``,
``naf``, ``commune`` (name or INSEE code), ``rayon``, ``mots``, ``exclure``, ``cpv``, ``dep``,
``email``, ``groupe``, ``montant_min``, ``montant_max``, ``certifications``, ``type``. A cell
of several values separates them with ``,`` or ``|``. The separator of the file (``;``, ``,``
or tab) is read from its header; UTF-8 (with or without BOM) or Windows-1252.

All or nothing: every line is checked first (the same rules as ``profile add``, CPV codes
suggested from the NAF code) and a single bad line stops the import, with one French message
per bad line and its line number; nothing is half-imported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from ancrage.errors import AncrageError
from ancrage.geo.text import fold
from ancrage.watch.db import profiles
from ancrage.watch.model import Profile, WatchError
from ancrage.watch.profiles import add_profiles, complete

MAX_LISTED = 20  # bad lines named in the error


def _text(value: str) -> str | None:
    return value.strip() or None


def _values(value: str) -> list[str]:
    return [v.strip() for v in value.replace("|", ",").split(",") if v.strip()]


def _number(value: str) -> float | None:
    text = value.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if not text:
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError as exc:
        raise WatchError(f"nombre « {value.strip()} » illisible") from exc


# folded header -> (profile field, reader)
COLUMNS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "nom": ("name", str.strip),
    "siret": ("siret", lambda v: _text(v.replace(" ", ""))),
    "naf": ("naf", _text),
    "commune": ("commune", _text),
    "rayon": ("radius_km", _number),
    "mots": ("keywords", _values),
    "exclure": ("excluded_keywords", _values),
    "cpv": ("cpv", _values),
    "dep": ("departements", _values),
    "email": ("email", _text),
    "e mail": ("email", _text),
    "courriel": ("email", _text),
    "groupe": ("group_name", _text),
    "montant min": ("value_min", _number),
    "montant max": ("value_max", _number),
    "certifications": ("certifications", _values),
    "type": ("purchase_types", _values),
}


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def read_roster(path: Path, group: str | None = None) -> list[tuple[int, Profile]]:
    """The checked profiles of the file with their line numbers (``group``: the tag of lines
    without one), or a :class:`WatchError` naming every bad line."""
    try:
        text = _decode(path.read_bytes())
    except OSError as exc:
        raise WatchError("fichier illisible", file=path, hint="Vérifiez le chemin.") from exc
    head = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=head.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise WatchError("fichier vide", file=path, hint=_HINT)
    names = [fold(h).replace("_", " ") for h in header]
    unknown = [h.strip() for h, n in zip(header, names, strict=True) if n not in COLUMNS]
    if unknown:
        raise WatchError(
            "colonnes inconnues : " + ", ".join(f"« {u} »" for u in unknown), file=path, hint=_HINT
        )
    if "nom" not in names:
        raise WatchError("colonne « nom » absente", file=path, hint=_HINT)
    found: list[tuple[int, Profile]] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        try:
            profile = _profile(names, cells, group)
            if profile.name in seen:
                raise WatchError(f"nom « {profile.name} » déjà pris ligne {seen[profile.name]}")
            seen[profile.name] = line
            found.append((line, complete(profile)))
        except AncrageError as exc:
            errors.append(f"ligne {line} : {exc.one_line()}")
    if errors:
        raise _refused(path, errors)
    return found


def _profile(names: list[str], cells: list[str], group: str | None) -> Profile:
    if len(cells) > len(names):
        raise WatchError(f"{len(cells)} valeurs pour {len(names)} colonnes")
    fields: dict[str, Any] = {}
    for name, cell in zip(names, cells, strict=False):
        field, read = COLUMNS[name]
        try:
            value = read(cell)
        except WatchError as exc:
            raise WatchError(f"{name} : {exc.message}") from exc
        if value not in (None, []):
            fields[field] = value
    if not fields.get("name"):
        raise WatchError("nom absent")
    fields.setdefault("group_name", group)
    return Profile(**fields)


def _refused(path: Path, errors: list[str]) -> WatchError:
    listed = errors[:MAX_LISTED]
    if len(errors) > MAX_LISTED:
        listed.append(f"… et {len(errors) - MAX_LISTED} autres lignes")
    count = "1 ligne refusée" if len(errors) == 1 else f"{len(errors)} lignes refusées"
    return WatchError(
        f"{count}, aucun profil importé (corrigez puis relancez) :\n  " + "\n  ".join(listed),
        file=path,
    )


_HINT = (
    "La première ligne nomme les colonnes : nom, siret, naf, commune, rayon, mots, email, "
    "groupe… (séparées par ; ou ,)"
)


def import_roster(engine: Engine, path: Path, group: str | None = None) -> list[Profile]:
    """Read, check and store the file's profiles in one transaction (all or none)."""
    found = read_roster(path, group)
    names = [p.name for _, p in found]
    with engine.connect() as con:
        query = select(profiles.c.name).where(profiles.c.name.in_(names))
        taken = set(con.execute(query).scalars())
    if taken:
        raise _refused(
            path,
            [f"ligne {line} : le profil « {p.name} » existe déjà"
             for line, p in found if p.name in taken],
        )
    return add_profiles(engine, [p for _, p in found])
