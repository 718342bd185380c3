"""Value normalisers shared by every source.

Each normaliser takes a raw value exactly as read from a file and returns ``(value, rule)``:
the clean value (or ``None``) and, when the raw value was changed or dropped, the id of the repair
rule applied (``None`` when the value was taken as is). Rules are described in French in
:data:`RULES` so the repair log can be shown to users. Normalisers are pure and cached: real files
repeat the same CPV codes, dates and labels millions of times.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import ftfy

from ancrage.ingest.lookups import fold, settings, table

Fixed = tuple[Any, str | None]
_MEMO_SIZE = 200_000


def memo(fn: Callable[[Any], Fixed]) -> Callable[[Any], Fixed]:
    """Cache a one-argument normaliser by (type, value): files repeat the same values a lot.

    The type is part of the key because ``True == 1 == 1.0`` in Python but not in the data.
    Unhashable values (lists, objects) are passed through uncached.
    """
    cache: dict[tuple[type, Any], Fixed] = {}

    def wrapper(raw: Any) -> Fixed:
        key = (type(raw), raw)
        try:
            return cache[key]
        except KeyError:
            result = fn(raw)
            if len(cache) >= _MEMO_SIZE:
                cache.clear()
            cache[key] = result
            return result
        except TypeError:
            return fn(raw)

    wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
    wrapper.__doc__ = fn.__doc__
    return wrapper


RULES: dict[str, str] = {
    "null_token": "valeur signifiant « absent » (NC, N/A, CDL…) remplacée par une valeur vide",
    "wrong_type_dropped": "valeur d'un type inattendu (liste, objet…) ignorée",
    "siret_separators_removed": "espaces, points ou tirets retirés de l'identifiant",
    "siret_leading_zero_restored": "zéro initial perdu (identifiant stocké comme nombre) rétabli",
    "cpv_check_digit_removed": "chiffre de contrôle du code CPV retiré",
    "cpv_leading_zero_restored": "zéro initial du code CPV (7 chiffres) rétabli",
    "cpv_invalid_dropped": "code CPV illisible ignoré",
    "date_timezone_removed": "fuseau horaire retiré de la date",
    "date_time_removed": "heure retirée de la date",
    "date_format_converted": "date au format JJ/MM/AAAA convertie",
    "date_year_typo_fixed": "année mal saisie corrigée",
    "date_invalid_dropped": "date illisible ou invraisemblable ignorée",
    "number_text_parsed": "nombre écrit comme du texte (espaces, virgule, €) converti",
    "number_invalid_dropped": "nombre illisible ignoré",
    "boolean_invalid_dropped": "booléen illisible ignoré",
    "text_mojibake_fixed": "texte mal encodé (mojibake) réparé",
    "text_unrepairable": "texte contenant des caractères perdus (U+FFFD), conservé tel quel",
    "label_mapped": "libellé ancien ou variante ramené au libellé officiel",
    "id_type_mapped": "type d'identifiant ramené à la liste officielle",
    "id_derived_from_content": "contrat publié sans identifiant : identifiant stable calculé"
    " à partir de son contenu",
    "label_unknown_dropped": "libellé non reconnu ignoré",
    "party_without_id_dropped": "titulaire sans identifiant ignoré",
    "duplicate_party_removed": "titulaire présent deux fois, doublon retiré",
}

_MOJIBAKE_MARKERS = ("Ã", "Â", "â€", "Å", "Ð")
_SEPARATORS = re.compile(r"[\s.\-]+")
_DIGITS = re.compile(r"\d+")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})(.*)$")
_FR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TZ_SUFFIX = re.compile(r"^(Z|[+-]\d{2}:?\d{2})$")
_TIME_SUFFIX = re.compile(r"^[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_NUMBER_TEXT = re.compile(r"^[+-]?[\d\s\u00a0\u202f]*[.,]?\d*\s*(€|eur|euros?|ht)?$", re.IGNORECASE)

_MIN_YEAR = 1990


_NULL_TOKEN_MAX_LEN = 20  # every token of null_tokens.csv is shorter: skip folding long text


_DIGIT = re.compile(r"\d")


def is_null_token(text: str) -> bool:
    """``NC``, ``N/A``, ``CDL``… (null_tokens.csv). No token has a digit: ids skip the lookup."""
    if not text:
        return True
    if len(text) > _NULL_TOKEN_MAX_LEN or _DIGIT.search(text):
        return False
    return table("null_tokens").get(text) is not None


def _scalar(raw: object) -> bool:
    return raw is None or isinstance(raw, str | int | float | bool)


@memo
def text(raw: object) -> Fixed:
    """Free text: trimmed; null tokens removed; mojibake repaired when it can be."""
    if raw is None:
        return None, None
    if not _scalar(raw):
        return None, "wrong_type_dropped"
    return _text(str(raw))


@lru_cache(maxsize=65536)
def _text(value: str) -> Fixed:
    s = " ".join(value.split())
    if not s:
        return None, None
    if is_null_token(s):
        return None, "null_token"
    if any(m in s for m in _MOJIBAKE_MARKERS):
        fixed = ftfy.fix_text(s)
        if fixed != s:
            return fixed, "text_mojibake_fixed"
    if "\ufffd" in s:
        return s, "text_unrepairable"
    return s, None


def _code(fn: Callable[[str], Fixed]) -> Callable[[Any], Fixed]:
    """A normaliser of codes written as text or as numbers (``9310000`` for ``"09310000"``).

    Handles what every code normaliser shares: absent, wrong type, integral float, blank text and
    null tokens; ``fn`` gets the stripped text (and is cached).
    """
    cached = lru_cache(maxsize=65536)(fn)

    def normalise(raw: object) -> Fixed:
        if raw is None:
            return None, None
        if not _scalar(raw) or isinstance(raw, bool):
            return None, "wrong_type_dropped"
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        s = str(raw).strip()
        if not s:
            return None, None
        if is_null_token(s):
            return None, "null_token"
        return cached(s)

    normalise.__doc__ = fn.__doc__
    return memo(normalise)


_ID_SEPARATORS = re.compile(r"[\s.]+")


@_code
def identifier(s: str) -> Fixed:
    """A record id (contract id, modification id): trimmed, inner spaces and dots removed."""
    compact = _ID_SEPARATORS.sub("", s)
    return compact, ("siret_separators_removed" if compact != s else None)


def siret(raw: object, id_type: str | None = "SIRET") -> Fixed:
    """A company or buyer identifier. SIRET/SIREN: separators removed, lost zeros restored."""
    if raw is None:
        return None, None
    if not _scalar(raw) or isinstance(raw, bool):
        return None, "wrong_type_dropped"
    numeric = isinstance(raw, int | float)
    if isinstance(raw, float):
        if not raw.is_integer():
            return None, "number_invalid_dropped"
        raw = int(raw)
    return _siret(str(raw), id_type, numeric)


@lru_cache(maxsize=262144)
def _siret(value: str, id_type: str | None, numeric: bool) -> Fixed:
    s = value.strip()
    if not s:
        return None, None
    if is_null_token(s):
        return None, "null_token"
    rule = None
    if id_type in (None, "SIRET", "SIREN"):
        compact = _SEPARATORS.sub("", s)
        if compact != s and compact.isdigit():
            s, rule = compact, "siret_separators_removed"
        # stored as a number upstream: the leading zero of a SIREN (9) / SIRET (14) was lost
        if s.isdigit() and ((numeric and len(s) in (8, 13)) or (len(s) == 13 and _luhn("0" + s))):
            s, rule = "0" + s, "siret_leading_zero_restored"
    else:
        compact = re.sub(r"\s+", "", s)
        if compact != s:
            s, rule = compact, "siret_separators_removed"
    return s, rule


@lru_cache(maxsize=262144)
def is_valid_siret(value: str | None) -> bool:
    """14 digits with a valid Luhn key (La Poste establishments excepted, as INSEE does)."""
    if value is None or len(value) != 14 or not value.isdigit():
        return False
    if value.startswith("356000000"):
        return sum(int(c) for c in value) % 5 == 0
    return _luhn(value)


def _luhn(value: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(value)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


@_code
def cpv(s: str) -> Fixed:
    """A CPV code as 8 digits: check digit removed, lost leading zero restored."""
    m = re.fullmatch(r"(\d{7,8})(?:\s*-\s*\d)?", s)
    if not m:
        return None, "cpv_invalid_dropped"
    code = m.group(1)
    rule = "cpv_check_digit_removed" if len(s) > len(code) else None
    if len(code) == 7:
        code, rule = "0" + code, "cpv_leading_zero_restored"
    if code[:2] in ("00", "01", "02") or int(code[:2]) > 98:
        return None, "cpv_invalid_dropped"
    return code, rule


def date(raw: object, *, today: dt.date | None = None) -> Fixed:
    """A calendar date (ISO). Time zone and time removed; known typos fixed by data rules."""
    if raw is None:
        return None, None
    if not isinstance(raw, str):
        return None, "date_invalid_dropped" if _scalar(raw) else "wrong_type_dropped"
    return _date(raw, today or dt.date.today())


@lru_cache(maxsize=65536)
def _date(value: str, today: dt.date) -> Fixed:
    s = value.strip()
    if not s:
        return None, None
    if is_null_token(s):
        return None, "null_token"
    rule: str | None = None
    for r in settings("dates")["rule"]:
        new = re.sub(r["pattern"], r["replacement"], s)
        if new != s:
            s, rule = new, "date_year_typo_fixed"
    m = _DATE_PREFIX.match(s)
    if m:
        day, rest = m.group(1), m.group(2)
        if rest:
            if _TZ_SUFFIX.match(rest):
                rule = rule or "date_timezone_removed"
            elif _TIME_SUFFIX.match(rest):
                rule = rule or "date_time_removed"
            else:
                return None, "date_invalid_dropped"
    else:
        fr = _FR_DATE.match(s)
        if not fr:
            return None, "date_invalid_dropped"
        day = f"{fr.group(3)}-{int(fr.group(2)):02d}-{int(fr.group(1)):02d}"
        rule = rule or "date_format_converted"
    try:
        parsed = dt.date.fromisoformat(day)
    except ValueError:
        return None, "date_invalid_dropped"
    if parsed.year < _MIN_YEAR or parsed.year > today.year + 50:
        return None, "date_invalid_dropped"
    return parsed, rule


@memo
def number(raw: object) -> Fixed:
    """A decimal number (amount, rate). Text such as ``"12 500,50 €"`` is parsed."""
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        return None, "number_invalid_dropped"
    if isinstance(raw, int | float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return None, "number_invalid_dropped"
        return float(raw), None
    if not isinstance(raw, str):
        return None, "wrong_type_dropped"
    return _number(raw)


@lru_cache(maxsize=65536)
def _number(value: str) -> Fixed:
    s = value.strip()
    if not s:
        return None, None
    if is_null_token(s):
        return None, "null_token"
    try:
        return float(s), None
    except ValueError:
        pass
    if not _NUMBER_TEXT.match(s):
        return None, "number_invalid_dropped"
    cleaned = re.sub(r"(€|eur|euros?|ht)$", "", s, flags=re.IGNORECASE)
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", cleaned).replace(",", ".")
    try:
        return float(cleaned), "number_text_parsed"
    except ValueError:
        return None, "number_invalid_dropped"


@memo
def integer(raw: object) -> Fixed:
    """A whole number (months, offers). ``"12 mois"`` gives 12."""
    if isinstance(raw, str):
        stripped = re.sub(r"\s*(mois|offres?)$", "", raw.strip(), flags=re.IGNORECASE)
        value, rule = number(stripped)
        if rule is None and stripped != raw.strip():
            rule = "number_text_parsed"
    else:
        value, rule = number(raw)
    if value is None:
        return None, rule
    if not float(value).is_integer():
        return None, "number_invalid_dropped"
    return int(value), rule


@memo
def boolean(raw: object) -> Fixed:
    if raw is None or isinstance(raw, bool):
        return raw, None
    if isinstance(raw, int | str):
        s = str(raw).strip()
        if not s:
            return None, None
        if is_null_token(s):
            return None, "null_token"
        row = table("booleans").get(s)
        if row is not None:
            return row["value"] == "true", None
        return None, "boolean_invalid_dropped"
    return None, "wrong_type_dropped"


def label(raw: object, lookup: str, column: str) -> Fixed:
    """A coded label (procedure, nature...): official label from a lookup table, else as given."""
    value, rule = text(raw)
    if value is None:
        return None, rule
    row = table(lookup).get(value)
    if row is None:
        return value, rule
    mapped = row[column]
    if fold(mapped) != fold(value):
        return mapped, rule or "label_mapped"
    return mapped, rule


@memo
def id_type(raw: object) -> Fixed:
    value, rule = text(raw)
    if value is None:
        return None, rule
    row = table("id_types").get(value)
    if row is None:
        return value, rule
    mapped = row["id_type"]
    if fold(mapped) != fold(value):
        return mapped, rule or "id_type_mapped"
    return mapped, rule
