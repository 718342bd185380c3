"""CPV 2008 (Common Procurement Vocabulary): code rules, hierarchy and labels.

The rules on a code (normalisation, level, division/group/class/category, purchase type) are pure
functions and need no data. The French labels are shipped (:func:`french_label`, a compact
extract of the official file). The whole nomenclature (English labels, tree) comes from the EU's
official CPV 2008 file: :func:`fetch_cpv` downloads it into a cache directory and writes two CSV
files there,
``cpv_2008_fr.csv`` (``CODE,FR``) and ``cpv_2008_en.csv`` (``code,description``), one row per
code with its check digit (``45421000-4``); :func:`load_cpv` reads that directory.
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import io
import json
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Literal
from xml.etree import ElementTree

import httpx

from ancrage.errors import InputFileError
from ancrage.reference._common import InvalidCodeError, ReferenceDataError, read_csv

CPV_MILLESIME = "CPV 2008"
CPV_REGULATION = "Règlement (CE) n° 213/2008 de la Commission, annexe I (vocabulaire principal)"
CPV_LICENCE = (
    "Législation de l'UE, réutilisation libre avec mention de la source "
    "(décision 2011/833/UE de la Commission)"
)
CPV_URL = "https://ted.europa.eu/documents/d/ted/cpv_2008_xml"
CPV_XML_MEMBER = "cpv_2008.xml"
CPV_FR_FILE = "cpv_2008_fr.csv"
CPV_EN_FILE = "cpv_2008_en.csv"
CPV_SOURCE_FILE = "cpv_2008.source.json"

PurchaseType = Literal["travaux", "fournitures", "services"]
CpvLevel = Literal["division", "group", "class", "category", "code"]

_CODE = re.compile(r"^(\d{7,8})(?:-(\d))?$")
_PREFIX = re.compile(r"^\d{2,6}$")
_LEVELS: dict[int, CpvLevel] = {2: "division", 3: "group", 4: "class", 5: "category"}
_HINT = "Écrivez le code CPV en 8 chiffres, avec ou sans sa clé de contrôle (45320000-6)."


def normalise_cpv(code: str) -> str:
    """The 8-digit code of ``code``: drop spaces and the check digit, restore a lost leading zero.

    ``"45320000-6"`` → ``"45320000"``; ``"9310000"`` (read as a number) → ``"09310000"``.
    """
    text = re.sub(r"\s+", "", str(code))
    match = _CODE.match(text)
    if match is None:
        message = f"code CPV « {code} » invalide" if text else "code CPV vide"
        raise InvalidCodeError(message, field="cpv", value=code, hint=_HINT)
    return match.group(1).zfill(8)


def cpv_prefix(code: str) -> str:
    """The significant digits of a code (trailing zeros dropped, at least the 2-digit division).

    ``"45420000"`` → ``"4542"``; ``"30000000"`` → ``"30"``; ``"03000000"`` → ``"03"``.
    """
    digits = normalise_cpv(code)
    return digits[: max(2, len(digits.rstrip("0")))]


def _prefix_arg(prefix: str) -> str:
    """A prefix (2 to 6 digits) as given, or the significant prefix of a full code."""
    text = re.sub(r"\s+", "", str(prefix))
    if _PREFIX.match(text):
        return text
    return cpv_prefix(text)


def cpv_level(code: str) -> CpvLevel:
    """``division`` (XX000000), ``group`` (XXX00000), ``class``, ``category`` or ``code``."""
    return _LEVELS.get(len(cpv_prefix(code)), "code")


def cpv_hierarchy(code: str) -> dict[CpvLevel, str]:
    """The 8-digit codes of the division, group, class and category above or at ``code``.

    Only the levels the code has: ``cpv_hierarchy("45421000")`` has no ``code`` entry;
    ``cpv_hierarchy("45000000")`` is ``{"division": "45000000"}``. Pure: the parent codes may not
    all exist in the vocabulary (use :meth:`CpvNomenclature.ancestors` for the real tree).
    """
    prefix = cpv_prefix(code)
    out: dict[CpvLevel, str] = {}
    for size, level in _LEVELS.items():
        if len(prefix) >= size:
            out[level] = prefix[:size].ljust(8, "0")
    if len(prefix) > 5:
        out["code"] = prefix.ljust(8, "0")
    return out


def purchase_type(code: str) -> PurchaseType | None:
    """Type of purchase from the division: 03–44 and 48 supplies, 45 works, 49–98 services.

    ``None`` for a division outside those ranges (00–02, 46, 47, 99).
    """
    division = int(normalise_cpv(code)[:2])
    if division == 45:
        return "travaux"
    if 3 <= division <= 44 or division == 48:
        return "fournitures"
    if 49 <= division <= 98:
        return "services"
    return None


@dataclass(frozen=True)
class CpvEntry:
    """One code of the vocabulary."""

    code: str  # 8 digits
    check_digit: str
    label_fr: str
    label_en: str | None


@dataclass
class CpvNomenclature:
    """The CPV 2008 main vocabulary, keyed by 8-digit code."""

    entries: dict[str, CpvEntry]
    millesime: str = CPV_MILLESIME
    licence: str = CPV_LICENCE
    source: str = CPV_URL
    _by_prefix: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_prefix = {cpv_prefix(code): code for code in self.entries}

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, str):
            return False
        try:
            return normalise_cpv(code) in self.entries
        except InvalidCodeError:
            return False

    def get(self, code: str) -> CpvEntry | None:
        return self.entries.get(normalise_cpv(code))

    def label(self, code: str, lang: Literal["fr", "en"] = "fr") -> str | None:
        """French (default) or English label; ``None`` for a code not in the vocabulary."""
        entry = self.get(code)
        if entry is None:
            return None
        return entry.label_fr if lang == "fr" else entry.label_en

    def parent(self, code: str) -> str | None:
        """Nearest existing code above ``code`` (longest existing prefix); ``None`` for a division.

        Works for a code not in the vocabulary too (its nearest existing ancestor).
        """
        prefix = cpv_prefix(code)
        for size in range(len(prefix) - 1, 1, -1):
            found = self._by_prefix.get(prefix[:size])
            if found is not None:
                return found
        return None

    def ancestors(self, code: str) -> list[str]:
        """Existing codes above ``code``, nearest first, ending with its division."""
        out: list[str] = []
        current = self.parent(code)
        while current is not None:
            out.append(current)
            current = self.parent(current)
        return out

    def descendants(self, prefix: str) -> list[str]:
        """Existing codes strictly below ``prefix`` (2–6 digits, or a code), sorted.

        ``descendants("4542")`` and ``descendants("45420000-7")`` both list the joinery codes.
        """
        head = _prefix_arg(prefix)
        return sorted(
            code
            for code in self.entries
            if code.startswith(head) and len(cpv_prefix(code)) > len(head)
        )

    def codes(self) -> list[str]:
        return sorted(self.entries)


CPV_SHIPPED = ("data", "reference", "cpv_2008_fr.csv.gz")


@cache
def _french_labels() -> dict[str, str]:
    import gzip
    from importlib import resources

    data = resources.files("ancrage").joinpath(*CPV_SHIPPED).read_bytes()
    rows = csv.DictReader(io.StringIO(gzip.decompress(data).decode("utf-8")))
    return {row["code"]: row["label"] for row in rows}


def french_label(code: str) -> str | None:
    """The French label of an 8-digit CPV code, from the labels shipped with Ancrage
    (``data/reference/cpv_2008_fr.csv.gz``, built by ``scripts/build_cpv_fr.py`` from the
    official file); ``None`` for a code outside CPV 2008."""
    return _french_labels().get(code)


def load_cpv(directory: Path) -> CpvNomenclature:
    """Read ``cpv_2008_fr.csv`` (required) and ``cpv_2008_en.csv`` (optional) from ``directory``."""
    fr_path = directory / CPV_FR_FILE
    if not fr_path.is_file():
        raise ReferenceDataError(
            f"les libellés CPV 2008 ne sont pas dans le dossier de référence "
            f"({CPV_FR_FILE} manquant)",
            file=directory,
            hint="Téléchargez-les une fois avec fetch_cpv() (réseau nécessaire) ou choisissez "
            "comme dossier de référence un dossier contenant cpv_2008_fr.csv.",
        )
    english: dict[str, str] = {}
    en_path = directory / CPV_EN_FILE
    if en_path.is_file():
        english = dict(_read_labels(en_path, ("code", "description")))
    entries: dict[str, CpvEntry] = {}
    for raw, label_fr in _read_labels(fr_path, ("code", "fr")):
        code = normalise_cpv(raw)
        entries[code] = CpvEntry(code, raw.partition("-")[2], label_fr, english.get(raw))
    if not entries:
        raise InputFileError(
            "aucun code CPV dans le fichier", file=fr_path, hint="Téléchargez le fichier à nouveau."
        )
    return CpvNomenclature(entries)


def _read_labels(path: Path, header: tuple[str, str]) -> Iterable[tuple[str, str]]:
    key, value = header
    for line, row in read_csv(path, header):
        raw = row[key].strip()
        try:
            normalise_cpv(raw)
        except InvalidCodeError as exc:
            raise InputFileError(
                exc.message,
                file=path, record=f"ligne {line}", field=key, value=raw,
                hint="Téléchargez le fichier à nouveau ou vérifiez que c'est le bon.",
            ) from exc
        yield raw, row[value].strip()


def fetch_cpv(cache_dir: Path, client: httpx.Client | None = None) -> Path:
    """Download the official CPV 2008 archive (TED) and write the two label CSVs in ``cache_dir``.

    Also writes ``cpv_2008.source.json`` (URL, sha256 of the archive, date). Returns
    ``cache_dir``, ready for :func:`load_cpv`. The archive is a ZIP compressed with Deflate64,
    read with the ``zipfile-deflate64`` package.
    """
    own = client is None
    http = client if client is not None else httpx.Client(timeout=120.0, follow_redirects=True)
    try:
        response = http.get(CPV_URL, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise ReferenceDataError(
            f"impossible de télécharger le fichier CPV 2008 ({type(exc).__name__})",
            file=CPV_URL,
            hint="Vérifiez la connexion réseau, ou copiez vous-même cpv_2008_fr.csv dans le "
            "dossier de référence.",
        ) from exc
    finally:
        if own:
            http.close()
    if response.status_code != 200:
        raise ReferenceDataError(
            f"impossible de télécharger le fichier CPV 2008 (HTTP {response.status_code})",
            file=CPV_URL,
            hint="L'UE a peut-être déplacé le fichier ; copiez vous-même cpv_2008_fr.csv dans le "
            "dossier de référence.",
        )
    rows = parse_cpv_archive(response.content)
    cache_dir.mkdir(parents=True, exist_ok=True)
    _write_csv(cache_dir / CPV_FR_FILE, ("CODE", "FR"), [(c, fr) for c, fr, _ in rows])
    _write_csv(cache_dir / CPV_EN_FILE, ("code", "description"), [(c, en) for c, _, en in rows])
    meta = {
        "millesime": CPV_MILLESIME,
        "url": CPV_URL,
        "sha256": hashlib.sha256(response.content).hexdigest(),
        "retrieved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "licence": CPV_LICENCE,
        "codes": len(rows),
    }
    (cache_dir / CPV_SOURCE_FILE).write_text(
        json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return cache_dir


def parse_cpv_archive(content: bytes) -> list[tuple[str, str, str]]:
    """``(code with check digit, French label, English label)`` from the official ZIP archive."""
    # Importing zipfile_deflate64 teaches the standard zipfile module the Deflate64 method.
    zipfile = importlib.import_module("zipfile_deflate64")
    hint = (
        "L'UE a peut-être modifié le fichier ; copiez cpv_2008_fr.csv dans le dossier de référence."
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReferenceDataError(
            "le fichier CPV téléchargé n'est pas une archive ZIP", file=CPV_URL, hint=hint
        ) from exc
    with archive:
        if CPV_XML_MEMBER not in archive.namelist():
            raise ReferenceDataError(
                f"{CPV_XML_MEMBER} absent de l'archive téléchargée", file=CPV_URL, hint=hint
            )
        try:
            xml = archive.read(CPV_XML_MEMBER)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
                NotImplementedError, RuntimeError) as exc:
            raise ReferenceDataError(
                f"l'archive CPV téléchargée est endommagée ({type(exc).__name__})",
                file=CPV_URL, hint=hint,
            ) from exc
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise ReferenceDataError(
            f"{CPV_XML_MEMBER} n'est pas un XML valide ({exc})", file=CPV_URL, hint=hint
        ) from exc
    rows: list[tuple[str, str, str]] = []
    for element in root.iter("CPV"):
        code = (element.get("CODE") or "").strip()
        texts = {t.get("LANG"): (t.text or "").strip() for t in element.iter("TEXT")}
        if code and texts.get("FR"):
            rows.append((code, texts["FR"], texts.get("EN", "")))
    if not rows:
        raise ReferenceDataError(
            f"aucun code CPV avec un libellé français dans {CPV_XML_MEMBER}",
            file=CPV_URL, hint=hint,
        )
    return rows


def _write_csv(path: Path, header: tuple[str, str], rows: list[tuple[str, str]]) -> None:
    """Write atomically: a reader never sees half a file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(buffer.getvalue(), encoding="utf-8")
    tmp.replace(path)
