"""The consolidated tabular DECP (decp-processing ``decp.csv`` / data.gouv.fr "format tabulaire").

One row per contract × supplier (× modification in the full national file), so the amount repeats
on every row. The reader groups the rows back into one :class:`RawContract` per contract (key
``uid``, else buyer id + ``id``) with DuckDB, which streams the file and spills to disk, so memory
stays bounded whatever the file size.

Within a contract, rows that differ by their *version* columns (``modification_id`` when present,
else ``montant``, ``dureeMois``, ``dateNotification``, ``datePublicationDonnees``) are successive
states of the contract: the first state (lowest ``modification_id``, else earliest date) gives the
record fields, each later state becomes a :class:`RawModification`. ``suppliers`` lists every
distinct supplier of all states; a modification carries ``suppliers`` only when its set differs
from the previous state's.

``ref`` gives the CSV line numbers (header = line 1; exact unless a quoted value spans lines)
or the Parquet row numbers.

Values stay as found: CSV values are strings (``all_varchar``), empty fields are ``None``; Parquet
numbers and booleans keep their type, other typed values (dates) are cast to text.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb

from ancrage.errors import InputFileError
from ancrage.sources.base import RawContract, RawModification, RawParty, ReadContext
from ancrage.sql import sql_str

_BATCH_ROWS = 2_000
_MAX_REF_LINES = 5
_PARQUET_MAGIC = b"PAR1"

# contract-level column -> RawContract key
_CONTRACT_COLUMNS: dict[str, str] = {
    "uid": "uid",
    "id": "id",
    "source": "source_name",
    "sourceDataset": "source_name",
    "objet": "object",
    "codeCPV": "cpv",
    "nature": "nature",
    "procedure": "procedure",
    "techniques": "techniques",
    "modalitesExecution": "execution_modes",
    "formePrix": "price_form",
    "typesPrix": "price_types",
    "lieuExecution_code": "place_code",
    "lieuExecution_typeCode": "place_type",
    "lieuExecution_nom": "place_name",
    "dureeMois": "duration_months",
    "dateNotification": "notification_date",
    "datePublicationDonnees": "publication_date",
    "dateDebutExecution": "start_date",
    "montant": "amount",
    "valeurGlobale": "amount",
    "montantSubventionPublique": "public_subsidy",
    "offresRecues": "offers_received",
    "marcheInnovant": "innovative",
    "ccag": "ccag",
    "attributionAvance": "advance",
    "tauxAvance": "advance_rate",
    "typeGroupementOperateurs": "grouping_type",
    "sousTraitanceDeclaree": "subcontracting_declared",
    "origineUE": "origin_eu",
    "origineFrance": "origin_fr",
    "considerationsSociales": "social",
    "considerationsEnvironnementales": "environmental",
    "idAccordCadre": "framework_id",
}
# flat text columns holding what the JSON formats give as a list
_LIST_FIELDS = frozenset(
    {"techniques", "execution_modes", "price_types", "social", "environmental"}
)
_BUYER_COLUMNS: dict[str, str] = {
    "acheteur_id": "id",
    "acheteur_siret": "id",
    "acheteur_typeIdentifiant": "id_type",
    "acheteur_nom": "name",
    "acheteur_departement_code": "department",
    "acheteur_region_code": "region",
}
_SUPPLIER_COLUMNS: dict[str, str] = {
    "titulaire_id": "id",
    "titulaire_siret": "id",
    "titulaire_typeIdentifiant": "id_type",
    "titulaire_nom": "name",
    "titulaire_denominationSociale": "name",
    "titulaire_departement_code": "department",
    "titulaire_region_code": "region",
}
_VERSION_COLUMNS = ("montant", "valeurGlobale", "dureeMois", "dateNotification",
                    "datePublicationDonnees")
_MODIFICATION_ID = "modification_id"
_MODIFICATION_COLUMNS = {
    "montant": "amount",
    "valeurGlobale": "amount",
    "dureeMois": "duration_months",
    "dateNotification": "notification_date",
    "datePublicationDonnees": "publication_date",
}
_CONSUMED = frozenset({"donneesActuelles"})  # derived from modification_id
_BUYER_ID_COLUMNS = ("acheteur_id", "acheteur_siret")
_SUPPLIER_ID_COLUMNS = ("titulaire_id", "titulaire_siret")
_ROW = "__ancrage_row"

_UNDECODABLE = "fichier non décodable en UTF-8"
_UNDECODABLE_HINT = "Réenregistrez le fichier en UTF-8 (avec ou sans BOM)"
_REQUIRED_HINT = (
    "Un fichier DECP tabulaire doit avoir les colonnes uid (ou id), acheteur_id "
    "(ou acheteur_siret) et titulaire_id"
)


def _error(path: Path, message: str, hint: str) -> InputFileError:
    return InputFileError(message, file=path, hint=hint)


def _first_line(text: str) -> str:
    return re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]


def _header_from_text(head: bytes) -> tuple[list[str], str] | None:
    """Column names and delimiter of a CSV head, or None when it does not look like CSV."""
    text = head.decode("utf-8-sig", errors="replace")
    line = _first_line(text)
    if not line:
        return None
    delim = ";" if line.count(";") > line.count(",") else ","
    try:
        row = next(csv.reader([line], delimiter=delim), [])
    except csv.Error:
        return None
    return [c.strip() for c in row], delim


def _read_csv_header(path: Path) -> tuple[list[str], str]:
    """Decode the first line strictly; raise InputFileError when impossible."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    parts: list[str] = []
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(65536)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError:
                raise _error(path, _UNDECODABLE, _UNDECODABLE_HINT) from None
            parts.append(text)
            if "\n" in text or "\r" in text or not chunk:
                break
    first = _first_line("".join(parts))
    if not first.strip():
        raise _error(
            path, "fichier vide",
            "Le fichier ne contient pas d'en-tête : téléchargez-le à nouveau",
        )
    header = _header_from_text(first.encode("utf-8"))
    if header is None:
        raise _error(path, "en-tête CSV illisible",
                     "La première ligne doit contenir les noms de colonnes")
    return header


def _check_utf8(path: Path) -> None:
    """Decode the whole file once (fast, streaming) so a bad byte fails before any record."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(1 << 20)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError:
                raise _error(path, _UNDECODABLE, _UNDECODABLE_HINT) from None
            if not chunk:
                return


def _check_columns(path: Path, columns: Sequence[str]) -> None:
    present = set(columns)
    missing: list[str] = []
    if "uid" not in present and "id" not in present:
        missing.append("uid")
    if not present.intersection(_BUYER_ID_COLUMNS):
        missing.append("acheteur_id")
    if not present.intersection(_SUPPLIER_ID_COLUMNS):
        missing.append("titulaire_id")
    if missing:
        raise _error(path, f"colonnes obligatoires absentes : {', '.join(missing)}",
                     _REQUIRED_HINT)
    dupes = sorted({c for c in columns if list(columns).count(c) > 1})
    if dupes:
        raise _error(path, f"colonnes en double : {', '.join(dupes)}",
                     "Chaque nom de colonne doit être unique dans l'en-tête")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class DecpTabularSource:
    """Consolidated tabular DECP, CSV or Parquet."""

    name = "decp-tabular"
    label = "DECP consolidé, format tabulaire (CSV/Parquet)"
    shares = False

    def sniff(self, head: bytes, path: Path) -> bool:
        if head.startswith(_PARQUET_MAGIC):
            try:
                import pyarrow.parquet as pq

                names = set(pq.read_schema(path).names)
            except Exception:  # any unreadable Parquet is simply not ours
                return False
            return bool(names.intersection(_BUYER_ID_COLUMNS)) and bool(
                names.intersection(_SUPPLIER_ID_COLUMNS)
            )
        header = _header_from_text(head)
        if header is None:
            return False
        names = set(header[0])
        return bool(names.intersection(_BUYER_ID_COLUMNS)) and "titulaire_id" in names

    def read(self, path: Path, ctx: ReadContext) -> Iterator[RawContract]:
        with path.open("rb") as fh:
            head = fh.read(4)
        if not head:
            raise _error(path, "fichier vide",
                         "Le fichier ne contient aucun octet : téléchargez-le à nouveau")
        con = duckdb.connect(":memory:")
        con.execute("SET enable_progress_bar = false")
        try:
            if head == _PARQUET_MAGIC:
                columns, scan = self._parquet_scan(con, path)
            else:
                columns, delim = _read_csv_header(path)
                _check_columns(path, columns)
                _check_utf8(path)
                spec = ", ".join(f"{sql_str(c)}: 'VARCHAR'" for c in columns)
                scan = (
                    f"read_csv({sql_str(str(path))}, delim={sql_str(delim)}, header=true, "
                    f"quote='\"', escape='\"', auto_detect=false, strict_mode=true, "
                    f"null_padding=false, all_varchar=true, store_rejects=true, "
                    f"columns={{{spec}}})"
                )
            yield from self._grouped(con, path, ctx, columns, scan)
        finally:
            con.close()

    # -- DuckDB ------------------------------------------------------------------------------

    def _parquet_scan(self, con: Any, path: Path) -> tuple[list[str], str]:
        try:
            desc = con.execute(
                f"DESCRIBE SELECT * FROM read_parquet({sql_str(str(path))})"
            ).fetchall()
        except duckdb.Error:
            raise _error(path, "fichier Parquet illisible",
                         "Le fichier est tronqué ou n'est pas un Parquet valide") from None
        columns = [str(d[0]) for d in desc]
        _check_columns(path, columns)
        keep = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE",
                "BOOLEAN", "VARCHAR", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT")
        exprs = [
            _quote(str(name)) if str(kind) in keep or str(kind).startswith("DECIMAL")
            else f"CAST({_quote(str(name))} AS VARCHAR) AS {_quote(str(name))}"
            for name, kind, *_ in desc
        ]
        return columns, f"(SELECT {', '.join(exprs)} FROM read_parquet({sql_str(str(path))}))"

    def _grouped(
        self, con: Any, path: Path, ctx: ReadContext, columns: list[str], scan: str
    ) -> Iterator[RawContract]:
        present = set(columns)
        buyer_col = next(c for c in _BUYER_ID_COLUMNS if c in present)
        if "uid" in present and "id" in present:
            key = f"coalesce(uid, {_quote(buyer_col)} || chr(31) || id)"
        elif "uid" in present:
            key = "uid"
        else:
            key = f"({_quote(buyer_col)} || chr(31) || id)"
        fields = ", ".join(f"{_quote(c)} := {_quote(c)}" for c in [_ROW, *columns])
        sql = (
            f"WITH src AS (SELECT row_number() OVER () AS {_ROW}, * FROM {scan}) "
            f"SELECT {key} AS k, min({_ROW}) AS first_row, "
            f"list(struct_pack({fields}) ORDER BY {_ROW}) AS rows "
            f"FROM src GROUP BY k ORDER BY first_row"
        )
        try:
            reader = con.sql(sql).to_arrow_reader(_BATCH_ROWS)
            batch = reader.read_next_batch()
        except StopIteration:
            batch = None
        except duckdb.Error as exc:
            raise self._duckdb_error(path, exc) from None
        is_csv = "read_csv(" in scan
        ctx.progress(path.stat().st_size)  # the whole file is scanned before the first group
        while batch is not None:
            for item in batch.to_pylist():
                rows: list[dict[str, Any]] = item["rows"]
                if item["k"] is None:
                    for row in rows:
                        ctx.reject(
                            self._ref(None, [row], is_csv), "ni uid ni id : ligne ignorée",
                            field="uid",
                        )
                    continue
                yield self._record(rows, columns, is_csv)
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                batch = None
            except duckdb.Error as exc:
                raise self._duckdb_error(path, exc) from None
        reader.close()
        if is_csv:  # DuckDB fills reject_errors during the scan; readable once drained
            self._report_rejects(con, ctx)

    @staticmethod
    def _duckdb_error(path: Path, exc: Exception) -> InputFileError:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return _error(path, f"fichier illisible ({first})",
                      "Vérifiez que c'est un CSV ou un Parquet DECP tabulaire complet")

    @staticmethod
    def _report_rejects(con: Any, ctx: ReadContext) -> None:
        rejects = con.execute(
            "SELECT line, error_type, error_message, csv_line FROM reject_errors ORDER BY line"
        ).fetchall()
        for line, _kind, message, raw in rejects:
            ctx.reject(f"ligne {line}", f"ligne CSV mal formée : {message}", raw_value=raw)

    # -- mapping -----------------------------------------------------------------------------

    @staticmethod
    def _ref(uid_or_key: str | None, rows: list[dict[str, Any]], is_csv: bool) -> str:
        nums = [int(r[_ROW]) + 1 for r in rows[:_MAX_REF_LINES]]  # header is line 1
        label = "lignes" if is_csv else "rangées"
        where = ", ".join(str(n if is_csv else n - 1) for n in nums)
        if len(rows) > _MAX_REF_LINES:
            where += ", …"
        head = f"uid {uid_or_key}" if uid_or_key is not None else "(sans clé)"
        return f"{head} ({label} {where})"

    def _record(
        self, rows: list[dict[str, Any]], columns: list[str], is_csv: bool
    ) -> RawContract:
        versions = _versions(rows, columns)
        base = versions[0][1][0]
        uid = base.get("uid")
        key_label: str | None
        if uid is not None:
            key_label = str(uid)
        else:
            buyer = next((base.get(c) for c in _BUYER_ID_COLUMNS if base.get(c) is not None),
                         None)
            key_label = f"{buyer} / id {base.get('id')}"
        rec: RawContract = {"ref": self._ref(key_label, rows, is_csv), "kind": _kind(base)}
        out: dict[str, Any] = rec  # type: ignore[assignment]
        extra: dict[str, object] = {}
        buyer_party: dict[str, object] = {}
        for col in columns:
            value = base.get(col)
            if col in _CONTRACT_COLUMNS:
                target = _CONTRACT_COLUMNS[col]
                if target in out and out[target] is not None:
                    if value is not None:
                        extra[col] = value
                    continue
                out[target] = ([value] if value is not None else None) if (
                    target in _LIST_FIELDS) else value
            elif col in _BUYER_COLUMNS:
                target = _BUYER_COLUMNS[col]
                if target in buyer_party and buyer_party[target] is not None:
                    if value is not None:
                        extra[col] = value
                    continue
                buyer_party[target] = value
            elif col in _SUPPLIER_COLUMNS or col in _CONSUMED or col == _MODIFICATION_ID:
                continue
            elif col == "type":
                extra["type"] = value
            else:
                distinct = _distinct(r.get(col) for r in rows)
                extra[col] = distinct[0] if len(distinct) == 1 else distinct
        rec["buyer"] = buyer_party  # type: ignore[typeddict-item]
        suppliers: list[RawParty] = []
        seen: set[tuple[object, ...]] = set()
        for _vid, vrows in versions:
            for party in _suppliers(vrows, columns):
                sig = tuple(sorted(party.items()))
                if sig not in seen:
                    seen.add(sig)
                    suppliers.append(party)
        rec["suppliers"] = suppliers
        modifications: list[RawModification] = []
        previous = {tuple(sorted(p.items())) for p in _suppliers(versions[0][1], columns)}
        for _version, vrows in versions[1:]:
            first = vrows[0]
            mod: RawModification = {}
            if _MODIFICATION_ID in columns:
                mod["id"] = first.get(_MODIFICATION_ID)
            for col, target in _MODIFICATION_COLUMNS.items():
                if col in columns and mod.get(target) is None:
                    mod[target] = first.get(col)  # type: ignore[literal-required]
            parties = _suppliers(vrows, columns)
            current = {tuple(sorted(p.items())) for p in parties}
            mod["suppliers"] = parties if current != previous else None
            previous = current
            modifications.append(mod)
        rec["modifications"] = modifications
        if extra:
            rec["extra"] = extra
        return rec


def _distinct(values: Iterator[object] | Any) -> list[object]:
    out: list[object] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def _kind(row: dict[str, Any]) -> Any:
    for col in ("nature", "type", "_type"):
        value = row.get(col)
        if isinstance(value, str) and "concession" in value.lower():
            return "concession"
    return "marche"


def _sort_key(value: object) -> tuple[int, float, str]:
    if value is None:
        return (2, 0.0, "")
    try:
        return (0, float(str(value)), "")
    except ValueError:
        return (1, 0.0, str(value))


def _versions(
    rows: list[dict[str, Any]], columns: list[str]
) -> list[tuple[tuple[object, ...], list[dict[str, Any]]]]:
    """Rows grouped by contract state, first state first."""
    if _MODIFICATION_ID in columns:
        version_cols: tuple[str, ...] = (_MODIFICATION_ID,)
    else:
        version_cols = tuple(c for c in _VERSION_COLUMNS if c in columns)
    groups: dict[tuple[object, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row.get(c) for c in version_cols), []).append(row)
    items = list(groups.items())
    if _MODIFICATION_ID in columns:
        items.sort(key=lambda kv: _sort_key(kv[0][0]))
    elif "dateNotification" in columns:
        items.sort(key=lambda kv: (kv[1][0].get("dateNotification") is None,
                                   str(kv[1][0].get("dateNotification") or ""),
                                   kv[1][0][_ROW]))
    return items


def _suppliers(rows: list[dict[str, Any]], columns: list[str]) -> list[RawParty]:
    present = [c for c in _SUPPLIER_COLUMNS if c in columns]
    parties: list[RawParty] = []
    seen: set[tuple[tuple[str, object], ...]] = set()
    for row in rows:
        party: dict[str, object] = {}
        for col in present:
            target = _SUPPLIER_COLUMNS[col]
            if party.get(target) is None:
                party[target] = row.get(col)
        if all(v is None for v in party.values()):
            continue
        sig = tuple(sorted(party.items(), key=lambda kv: kv[0]))
        if sig in seen:
            continue
        seen.add(sig)
        parties.append(party)  # type: ignore[arg-type]
    return parties


SOURCE = DecpTabularSource()
