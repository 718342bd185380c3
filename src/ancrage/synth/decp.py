"""A seeded generator of a realistic but **fictitious** DECP dataset (demo and benchmarks).

:func:`iter_contracts` is a lazy stream of format-neutral :class:`Contract` objects (dirty values
already injected); :func:`generate_decp` dispatches that stream, one record at a time, to one
writer per output file (2019 JSON, 2024 JSON, 2024 XML, tabular CSV), so memory stays bounded
whatever the number of contracts. Besides the data files it writes ``manifest.json`` with the exact
count of records and of every kind of injected dirt, per file and in total.

Everything is marked as fictitious: a top-level ``_avertissement`` key (JSON), a comment (XML), a
``source`` column (CSV), and names such as "Commune fictive de …" or "SARL Fictive …".
"""

from __future__ import annotations

import bisect
import csv
import itertools
import math
import random
import shutil
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

import orjson
from lxml import etree

FICTITIOUS_NOTICE = (
    "Données fictives générées par Ancrage (ancrage.synth) — ne pas utiliser comme données réelles"
)
SOURCE_VALUE = "ancrage-synth (fictif)"
MANIFEST_NAME = "manifest.json"
FORMATS = ("decp-2019", "decp-2024", "decp-2024-xml", "decp-tabular")

# --- rates (share of contracts) --------------------------------------------------------------
RATE_CONCESSION = 0.015
RATE_FRAMEWORK = 0.37  # accords-cadres
RATE_SUBSEQUENT = 0.08  # marchés subséquents
RATE_MODIFIED = 0.08
RATE_SUBCONTRACTED = 0.10  # 2024 format: actes de sous-traitance
RATE_ENVIRONMENTAL = 0.25
RATE_SOCIAL = 0.15
RATE_INNOVATIVE = 0.02
# dirt
RATE_SIRET_SPACES = 0.01
RATE_CPV_CHECK_DIGIT = 0.20
RATE_CPV_7_DIGITS = 0.005
RATE_DATE_TIMEZONE = 0.05
RATE_DATE_YEAR_TYPO = 0.001
RATE_AMOUNT_ZERO = 0.002
RATE_AMOUNT_MISSING = 0.0015
RATE_AMOUNT_PLACEHOLDER = 0.0015
RATE_MOJIBAKE = 0.02
RATE_NC = 0.005
RATE_DUPLICATE = 0.01
RATE_OLD_PROCEDURE = 0.01
RATE_DURATION_OUT_OF_RANGE = 0.002

DIRT_KINDS = (
    "siret_spaces",  # first supplier id written "421 997 586 00035"
    "cpv_check_digit",  # "45320000-6"
    "cpv_7_digits",  # "4532000"
    "date_timezone",  # dateNotification "2021-03-04+01:00"
    "date_year_typo",  # dateNotification "0221-03-04"
    "amount_zero",
    "amount_missing",
    "amount_placeholder",  # 999999999
    "object_mojibake",  # U+FFFD in objet
    "duration_nc",  # dureeMois "NC"
    "old_procedure",  # v1.4 label
    "duration_out_of_range",  # 0 or 1500 months
)
AMOUNT_PLACEHOLDER = 999999999
OLD_PROCEDURE = "Marché négocié sans publicité ni mise en concurrence préalable"

# --- reference lists ---------------------------------------------------------------------------
# Real CPV 2008 codes with their check digit, and a short French label for the object.
CPV_CODES: tuple[tuple[str, str], ...] = (
    ("03100000-2", "Produits agricoles et horticoles"), ("03200000-3", "Fruits et légumes"),
    ("09100000-0", "Combustibles"), ("09134100-8", "Huile diesel"),
    ("09310000-5", "Fourniture d'électricité"), ("15000000-8", "Denrées alimentaires"),
    ("15800000-6", "Produits alimentaires divers"), ("18100000-0", "Vêtements de travail"),
    ("22100000-1", "Livres et brochures"), ("22200000-2", "Abonnements à des périodiques"),
    ("30190000-7", "Fournitures de bureau"), ("30200000-1", "Matériel informatique"),
    ("30230000-0", "Postes informatiques"), ("31500000-1", "Éclairage et lampes"),
    ("32500000-8", "Matériel de télécommunications"), ("33100000-1", "Équipements médicaux"),
    ("33140000-3", "Consommables médicaux"), ("33600000-6", "Produits pharmaceutiques"),
    ("34110000-1", "Véhicules légers"), ("34130000-7", "Véhicules utilitaires"),
    ("35100000-5", "Matériel de sécurité"), ("37500000-3", "Jeux et jouets"),
    ("39100000-3", "Mobilier"), ("39800000-0", "Produits d'entretien"),
    ("42500000-1", "Matériel de ventilation"), ("43300000-6", "Engins de chantier"),
    ("44100000-1", "Matériaux de construction"), ("44400000-4", "Produits fabriqués divers"),
    ("45000000-7", "Travaux de construction"), ("45100000-8", "Préparation de chantier"),
    ("45110000-1", "Démolition et terrassement"), ("45210000-2", "Construction de bâtiments"),
    ("45211000-9", "Construction de logements"), ("45212000-6", "Équipement sportif"),
    ("45214000-0", "Construction d'un groupe scolaire"), ("45220000-5", "Ouvrages d'art"),
    ("45221000-2", "Réfection d'un pont"), ("45233140-2", "Travaux routiers"),
    ("45233200-1", "Revêtement de voirie"), ("45261000-4", "Charpente et couverture"),
    ("45300000-0", "Équipement du bâtiment"), ("45310000-3", "Électricité"),
    ("45311000-0", "Câblage électrique"), ("45320000-6", "Isolation"),
    ("45321000-3", "Isolation thermique"), ("45330000-9", "Plomberie"),
    ("45331000-6", "Chauffage, ventilation, climatisation"), ("45410000-4", "Plâtrerie"),
    ("45421000-4", "Menuiserie"), ("45430000-0", "Revêtements de sols et murs"),
    ("45442100-8", "Peinture"), ("45450000-6", "Parachèvement de bâtiment"),
    ("48000000-8", "Logiciels"), ("50100000-6", "Entretien des véhicules"),
    ("50700000-2", "Maintenance des installations techniques"),
    ("50800000-3", "Entretien et réparations diverses"), ("55300000-3", "Restauration"),
    ("55500000-5", "Restauration scolaire"), ("55520000-1", "Prestations traiteur"),
    ("60100000-9", "Transport routier"), ("60130000-8", "Transport scolaire"),
    ("64200000-8", "Télécommunications"), ("65000000-3", "Services publics"),
    ("66500000-5", "Assurances"), ("71200000-0", "Maîtrise d'œuvre architecturale"),
    ("71240000-2", "Études et planification"), ("71300000-1", "Ingénierie"),
    ("71600000-4", "Contrôle technique"), ("72000000-5", "Prestations informatiques"),
    ("72200000-7", "Développement de logiciels"), ("73000000-2", "Études et recherche"),
    ("77310000-6", "Entretien des espaces verts"), ("79340000-9", "Communication"),
    ("79500000-9", "Appui administratif"), ("79800000-2", "Impression"),
    ("80500000-9", "Formation"), ("85300000-2", "Action sociale"),
    ("90500000-2", "Collecte des déchets"), ("90600000-3", "Propreté urbaine"),
    ("90910000-9", "Nettoyage des locaux"), ("92000000-1", "Animation culturelle"),
    ("98300000-6", "Services divers"),
)
_WORKS = tuple(c for c in CPV_CODES if c[0].startswith("45"))
_SUPPLIES = tuple(c for c in CPV_CODES if int(c[0][:2]) <= 44 or c[0].startswith("48"))
_SERVICES = tuple(c for c in CPV_CODES if c not in _WORKS and c not in _SUPPLIES)
_PURCHASE_TYPES = (("Travaux", _WORKS, 0.30), ("Fournitures", _SUPPLIES, 0.30),
                   ("Services", _SERVICES, 0.40))

PROCEDURES = (
    ("Procédure adaptée", 0.62), ("Appel d'offres ouvert", 0.24),
    ("Appel d'offres restreint", 0.02), ("Procédure concurrentielle avec négociation", 0.02),
    ("Procédure négociée avec mise en concurrence préalable", 0.02),
    ("Marché passé sans publicité ni mise en concurrence préalable", 0.07),
    ("Dialogue compétitif", 0.01),
)
CONCESSION_PROCEDURES = ("Procédure négociée ouverte", "Procédure non négociée ouverte",
                         "Procédure négociée restreinte")
PRICE_FORMS = (("Ferme", 0.35), ("Révisable", 0.45), ("Ferme et actualisable", 0.20))
PRICE_FORMS_2024 = ("Unitaire", "Forfaitaire", "Mixte")
PRICE_TYPES_2024 = ("Définitif ferme", "Définitif actualisable", "Définitif révisable")
CCAG = {"Travaux": "Travaux", "Fournitures": "Fournitures courantes et services",
        "Services": "Prestations intellectuelles"}
DURATIONS = (1, 2, 3, 4, 6, 6, 8, 10, 12, 12, 12, 12, 18, 24, 24, 36, 36, 48, 48, 60)
DEPARTMENTS = tuple(
    [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B", "971", "972", "973", "974"]
)
_PLACE_TYPES = (("Code postal", 0.55), ("Code commune", 0.15), ("Code département", 0.30))
_SOCIAL = ("Clause sociale", "Critère social", "Marché réservé")
_ENVIRONMENTAL = ("Clause environnementale", "Critère environnemental")
_ROOTS = ("Montval", "Roche", "Fontaine", "Champ", "Boisclair", "Prébrun", "Closmer", "Valfort",
          "Bourgneuf", "Lamarre", "Pierrefeu", "Hautrive", "Clairmont", "Beaulieu", "Vireloup",
          "Sablons", "Étangbrun", "Mirevent", "Chênaie", "Grandpré")
_SUFFIXES = ("", "-les-Bains", "-sur-Fictive", "-en-Imaginaire", "-la-Vallée", "-le-Haut",
             "-sous-Bois", "-d'Argile")
_LEGAL_FORMS = ("SARL", "SAS", "SA", "EURL", "SASU", "SCOP")
_SURNAMES = ("Durandet", "Lemoval", "Martinel", "Bernardin", "Petitjan", "Faurel", "Girardot",
             "Roussin", "Morelot", "Chevalier", "Lambertin", "Fontanel", "Garnier", "Boulard",
             "Mercadier", "Vasseur", "Aubertin", "Perrichon", "Delorme", "Tissier")
_TRADES = {"Travaux": ("Bâtiment", "Construction", "TP", "Couverture", "Électricité",
                       "Menuiserie", "Peinture", "Génie Climatique"),
           "Fournitures": ("Distribution", "Équipements", "Fournitures", "Médical", "Bureau",
                           "Alimentaire"),
           "Services": ("Ingénierie", "Conseil", "Informatique", "Nettoyage", "Restauration",
                        "Transports", "Services")}
# buyer kind: (share, SIREN prefix, name pattern)
_BUYER_KINDS = (
    ("commune", 0.55, "21", "Commune fictive {of}{place}"),
    ("epci", 0.10, "24", "Communauté de communes fictive {of}{place}"),
    ("departement", 0.05, "22", "Département fictif n°{dep}"),
    ("region", 0.01, "23", "Région fictive {of}{place}"),
    ("hopital", 0.08, "26", "Centre hospitalier fictif {of}{place}"),
    ("universite", 0.03, "19", "Université fictive {of}{place}"),
    ("hlm", 0.06, "27", "Office public de l'habitat fictif {of}{place}"),
    ("etat", 0.12, "11", "Service de l'État fictif — {place}"),
)

_BUYER_KIND_WEIGHTS = tuple((k, k[1]) for k in _BUYER_KINDS)
_PURCHASE_TYPE_WEIGHTS = tuple((p[0], p[2]) for p in _PURCHASE_TYPES)


def luhn_digit(digits: str) -> str:
    """The digit that makes ``digits + d`` pass the Luhn check (SIREN/SIRET keys)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 0:  # doubled positions, counted from the digit to add
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isdigit() and luhn_digit(number[:-1]) == number[-1]


@dataclass(frozen=True)
class Party:
    id: str  # as written (may hold spaces when dirty)
    name: str
    department: str
    id_type: str = "SIRET"


@dataclass
class Modification:
    number: int
    object: str
    amount: float
    duration: int
    notification_date: str
    publication_date: str
    suppliers: tuple[Party, ...] | None


@dataclass
class Subcontract:
    number: int
    subcontractor: Party
    amount: float
    duration: int
    notification_date: str
    publication_date: str


@dataclass
class Contract:
    """One contract, format-neutral, with its dirty values already in place."""

    seq: int
    kind: str  # "marche" | "concession"
    id: str
    buyer: Party
    purchase_type: str
    nature: str  # 2019 wording: Marché, Accord-cadre, Marché subséquent, Concession de …
    object: str
    cpv: str
    procedure: str
    place_code: str
    place_type: str
    place_name: str
    duration: int | str
    notification_date: str
    publication_date: str
    amount: float | int | None
    price_form: str
    offers: int
    suppliers: tuple[Party, ...]
    framework_id: str | None = None
    innovative: bool = False
    advance: bool = False
    advance_rate: float = 0.0
    subcontracting_declared: bool = False
    social: tuple[str, ...] = ()
    environmental: tuple[str, ...] = ()
    modifications: list[Modification] = field(default_factory=list)
    subcontracts: list[Subcontract] = field(default_factory=list)
    dirt: tuple[str, ...] = ()

    @property
    def uid(self) -> str:
        return self.buyer.id + self.id


_CUMULATIVE: dict[int, tuple[list[Any], list[float]]] = {}


def _weighted(rng: random.Random, items: Sequence[tuple[Any, float]]) -> Any:
    """Pick ``item[0]`` with probability proportional to ``item[1]`` (``items`` is a constant)."""
    table = _CUMULATIVE.get(id(items))
    if table is None:
        table = ([i[0] for i in items], list(itertools.accumulate(i[1] for i in items)))
        _CUMULATIVE[id(items)] = table
    values, cumulative = table
    index = bisect.bisect_right(cumulative, rng.random() * cumulative[-1])
    return values[min(index, len(values) - 1)]


class _Pool:
    """Parties drawn with a Zipf-skewed frequency (a few big suppliers, a long tail)."""

    def __init__(self, parties: list[Party], exponent: float = 1.1) -> None:
        self.parties = parties
        weights = [1.0 / (rank**exponent) for rank in range(1, len(parties) + 1)]
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random) -> Party:
        x = rng.random() * self.cumulative[-1]
        return self.parties[min(bisect.bisect_left(self.cumulative, x), len(self.parties) - 1)]


def _place(rng: random.Random) -> str:
    return rng.choice(_ROOTS) + rng.choice(_SUFFIXES)


def _siret(rng: random.Random, prefix: str, dep: str) -> str:
    head = prefix + (dep[:2] if prefix in ("21", "22", "23") and dep[:2].isdigit() else "")
    width = 8 - len(head)
    body = head + f"{rng.randrange(10**width):0{width}d}"
    siren = body + luhn_digit(body)
    nic = f"{rng.randrange(1, 10):04d}" if rng.random() < 0.6 else f"{rng.randrange(1, 999):04d}"
    return siren + nic + luhn_digit(siren + nic)


class _Universe:
    def __init__(self, rng: random.Random, contracts: int) -> None:
        n_buyers = max(20, min(10_000, contracts // 40))
        buyers: list[Party] = []
        for _ in range(n_buyers):
            kind = _weighted(rng, _BUYER_KIND_WEIGHTS)
            dep = rng.choice(DEPARTMENTS)
            place = _place(rng)
            of = "d'" if place[0] in "AEIOUÉ" else "de "
            name = kind[3].format(place=place, dep=dep, of=of)
            buyers.append(Party(_siret(rng, kind[2], dep), name, dep))
        self.buyers = _Pool(buyers, exponent=0.8)
        n_suppliers = max(30, min(60_000, contracts // 8))
        self.suppliers: dict[str, _Pool] = {}
        for purchase_type, *_ in _PURCHASE_TYPES:
            parties = []
            for _ in range(n_suppliers // 3 + 1):
                prefix = rng.choice("345789")
                name = (f"{rng.choice(_LEGAL_FORMS)} Fictive {rng.choice(_SURNAMES)} "
                        f"{rng.choice(_TRADES[purchase_type])}")
                dep = rng.choice(DEPARTMENTS)
                parties.append(Party(_siret(rng, prefix, dep), name, dep))
            self.suppliers[purchase_type] = _Pool(parties)


def _supplier_count(rng: random.Random, framework: bool) -> int:
    """How many suppliers one contract has: mostly one, often several for an accord-cadre.

    Nearly half the accords-cadres are multi-attributaires (2 to 15 suppliers, skewed low);
    the rest have one supplier, two or three in a fifth of cases (groupements). Over the
    generator's mix this gives ~1.7 contract x supplier rows per contract, as the consolidated
    DECP does (1.73 in the published tabular extract of data.gouv.fr).
    """
    if framework and rng.random() >= 0.55:
        return 2 + min(int(rng.expovariate(1 / 2.2)), 13)
    return 1 if rng.random() < 0.8 else rng.choice((2, 2, 3))


_START = date(2019, 1, 1)
_SPAN_DAYS = (date(2025, 12, 31) - _START).days


def _day(rng: random.Random, after: date | None = None, max_days: int = 60) -> date:
    if after is None:
        return _START + timedelta(days=rng.randrange(_SPAN_DAYS + 1))
    return after + timedelta(days=rng.randrange(max_days + 1))


def _amount(rng: random.Random, scale: float = 1.0) -> float:
    value = rng.lognormvariate(math.log(60_000 * scale), 1.4)
    return round(min(max(value, 1_000.0), 50_000_000.0), 2)


def _mojibake(text: str) -> str:
    for i, ch in enumerate(text):
        if ch in "éèêàçôûÉ":
            return text[:i] + "\ufffd" + text[i + 1:]
    return text[:1] + "\ufffd" + text[1:]


def _spaced(siret: str) -> str:
    return f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"


def iter_contracts(contracts: int, *, seed: int = 0) -> Iterator[Contract]:
    """Lazily yield ``contracts`` distinct fictitious contracts (no duplicates: see dispatch)."""
    rng = random.Random(seed)
    universe = _Universe(rng, contracts)
    for seq in range(contracts):
        yield _contract(rng, universe, seq)


def _contract(rng: random.Random, universe: _Universe, seq: int) -> Contract:
    dirt: list[str] = []
    buyer = universe.buyers.draw(rng)
    concession = rng.random() < RATE_CONCESSION
    purchase_type = _weighted(rng, _PURCHASE_TYPE_WEIGHTS)
    codes = next(p[1] for p in _PURCHASE_TYPES if p[0] == purchase_type)
    cpv_full, label = rng.choice(codes)
    notified = _day(rng)
    year = notified.year
    # identifiers: unique per (buyer, id) because seq is unique
    contract_id = f"{year}{seq:07d}" if rng.random() < 0.7 else f"{year}-F{seq:06d}"
    place = _place(rng)
    obj = f"{label} — {place}"
    framework = subsequent = False
    if concession:
        nature = "Concession de service" if purchase_type != "Travaux" else "Concession de travaux"
        procedure = rng.choice(CONCESSION_PROCEDURES)
    else:
        r = rng.random()
        framework = r < RATE_FRAMEWORK
        subsequent = not framework and r < RATE_FRAMEWORK + RATE_SUBSEQUENT
        nature = "Accord-cadre" if framework else "Marché subséquent" if subsequent else "Marché"
        procedure = _weighted(rng, PROCEDURES)
    amount: float | int | None = _amount(
        rng, (3.0 if purchase_type == "Travaux" else 1.0) * (2.5 if framework else 1.0)
        * (20.0 if concession else 1.0))
    duration: int | str = rng.choice(DURATIONS)
    published = _day(rng, notified, 60)
    notification = notified.isoformat()
    pool = universe.suppliers[purchase_type]
    n_suppliers = min(_supplier_count(rng, framework), len(pool.parties))
    suppliers: list[Party] = []
    while len(suppliers) < n_suppliers:
        party = pool.draw(rng)
        if party not in suppliers:
            suppliers.append(party)
    place_type = _weighted(rng, _PLACE_TYPES)
    dep = buyer.department if rng.random() < 0.85 else rng.choice(DEPARTMENTS)
    place_code = dep if place_type == "Code département" else (
        f"{dep[:2]}{rng.randrange(0, 1000):03d}" if place_type == "Code postal"
        else f"{dep}{rng.randrange(1, 1000 if len(dep) == 2 else 100):03d}"[:5])
    social = tuple(rng.sample(_SOCIAL, rng.choice((1, 1, 2)))) if (
        rng.random() < RATE_SOCIAL) else ()
    environmental = tuple(rng.sample(_ENVIRONMENTAL, rng.choice((1, 1, 2)))) if (
        rng.random() < RATE_ENVIRONMENTAL) else ()
    offers = 1 + min(int(rng.expovariate(1 / 2.5)), 25)
    contract = Contract(
        seq=seq, kind="concession" if concession else "marche", id=contract_id, buyer=buyer,
        purchase_type=purchase_type, nature=nature, object=obj, cpv=cpv_full[:8],
        procedure=procedure, place_code=place_code, place_type=place_type, place_name=place,
        duration=duration, notification_date=notification,
        publication_date=published.isoformat(), amount=amount,
        price_form=_weighted(rng, PRICE_FORMS), offers=offers, suppliers=tuple(suppliers),
        framework_id=f"{year - rng.randrange(0, 3)}AC{seq:06d}" if subsequent else None,
        innovative=rng.random() < RATE_INNOVATIVE, advance=rng.random() < 0.3,
        advance_rate=rng.choice((0.05, 0.1, 0.2, 0.3)), social=social,
        environmental=environmental,
    )
    if not concession and rng.random() < RATE_MODIFIED:
        _add_modifications(rng, contract, pool, notified)
    if not concession and rng.random() < RATE_SUBCONTRACTED:
        _add_subcontracts(rng, contract, universe.suppliers[purchase_type], notified)
    contract.subcontracting_declared = bool(contract.subcontracts) or rng.random() < 0.05

    # --- dirt, each kind by its own rate (some are mutually exclusive) ----------------------
    if rng.random() < RATE_SIRET_SPACES:
        first = contract.suppliers[0]
        spaced = Party(_spaced(first.id), first.name, first.department, first.id_type)
        contract.suppliers = (spaced, *contract.suppliers[1:])
        dirt.append("siret_spaces")
    r = rng.random() if not concession else 1.0  # concessions have no CPV in the formats
    if r < RATE_CPV_7_DIGITS:
        contract.cpv = cpv_full[:7]
        dirt.append("cpv_7_digits")
    elif r < RATE_CPV_7_DIGITS + RATE_CPV_CHECK_DIGIT:
        contract.cpv = cpv_full
        dirt.append("cpv_check_digit")
    r = rng.random()
    if r < RATE_DATE_YEAR_TYPO:
        y = notification[:4]
        contract.notification_date = y[1] + y[0] + y[2:] + notification[4:]
        dirt.append("date_year_typo")
    elif r < RATE_DATE_YEAR_TYPO + RATE_DATE_TIMEZONE:
        contract.notification_date = notification + rng.choice(("+01:00", "+02:00", "Z"))
        dirt.append("date_timezone")
    r = rng.random()
    for kind, rate, value in (("amount_zero", RATE_AMOUNT_ZERO, 0),
                              ("amount_missing", RATE_AMOUNT_MISSING, None),
                              ("amount_placeholder", RATE_AMOUNT_PLACEHOLDER, AMOUNT_PLACEHOLDER)):
        if r < rate:
            contract.amount = value
            dirt.append(kind)
            break
        r -= rate
    if rng.random() < RATE_MOJIBAKE:
        contract.object = _mojibake(contract.object)
        dirt.append("object_mojibake")
    r = rng.random()
    if r < RATE_NC:
        contract.duration = "NC"
        dirt.append("duration_nc")
    elif r < RATE_NC + RATE_DURATION_OUT_OF_RANGE:
        contract.duration = rng.choice((0, 1500))
        dirt.append("duration_out_of_range")
    if not concession and rng.random() < RATE_OLD_PROCEDURE:
        contract.procedure = OLD_PROCEDURE
        dirt.append("old_procedure")
    contract.dirt = tuple(dirt)
    return contract


def _add_modifications(rng: random.Random, c: Contract, pool: _Pool, notified: date) -> None:
    amount = float(c.amount or 0.0)
    duration = int(c.duration) if isinstance(c.duration, int) else 12
    when = notified
    for number in range(1, rng.choice((1, 1, 1, 2, 3)) + 1):
        when = _day(rng, when + timedelta(days=30), 300)
        amount = round(amount * (1 + rng.uniform(0.01, 0.25)), 2)
        if rng.random() < 0.4:
            duration += rng.choice((2, 3, 6, 12))
        suppliers = None
        if rng.random() < 0.1:
            suppliers = (pool.draw(rng),)
        c.modifications.append(Modification(
            number, rng.choice(("Avenant n°{n} : travaux supplémentaires",
                                "Avenant n°{n} : prolongation du délai",
                                "Avenant n°{n} : changement de titulaire")).format(n=number),
            amount, duration, when.isoformat(), _day(rng, when, 30).isoformat(), suppliers))


def _add_subcontracts(rng: random.Random, c: Contract, pool: _Pool, notified: date) -> None:
    base = float(c.amount or 10_000.0)
    for number in range(1, rng.choice((1, 1, 2)) + 1):
        when = _day(rng, notified, 120)
        c.subcontracts.append(Subcontract(
            number, pool.draw(rng), round(base * rng.uniform(0.05, 0.3), 2),
            rng.choice((1, 2, 3, 6, 12)), when.isoformat(), _day(rng, when, 30).isoformat()))


# --- writers -----------------------------------------------------------------------------------


class _Writer:
    """One output file; counts what it wrote."""

    format = ""
    suffix = ".json"
    carries: frozenset[str] = frozenset({"modifications", "subcontracts"})

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records = 0
        self.stats: Counter[str] = Counter()

    def write(self, c: Contract) -> None:
        self.records += 1
        self.stats["concessions" if c.kind == "concession" else "marches"] += 1
        if "modifications" in self.carries:
            self.stats["modifications"] += len(c.modifications)
        if "subcontracts" in self.carries:
            self.stats["subcontracts"] += len(c.subcontracts)
        self.stats.update(c.dirt)
        self._write(c)

    def _write(self, c: Contract) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


def _num(value: float | int) -> float | int:
    return int(value) if isinstance(value, float) and value.is_integer() else value


class _Json2019(_Writer):
    format = "decp-2019"
    carries = frozenset({"modifications"})  # the 2019 format has no subcontracting acts

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.fh: IO[bytes] = path.open("wb")
        self.fh.write(b'{"_avertissement":' + orjson.dumps(FICTITIOUS_NOTICE) + b',"marches":[')

    @staticmethod
    def _party(p: Party) -> dict[str, object]:
        return {"typeIdentifiant": p.id_type, "id": p.id, "denominationSociale": p.name}

    def _write(self, c: Contract) -> None:
        place = {"code": c.place_code, "typeCode": c.place_type, "nom": c.place_name}
        rec: dict[str, object]
        if c.kind == "concession":
            rec = {"_type": "Contrat de concession", "id": c.id, "uid": c.uid,
                   "autoriteConcedante": {"id": c.buyer.id, "nom": c.buyer.name},
                   "nature": c.nature.upper(), "objet": c.object, "procedure": c.procedure,
                   "lieuExecution": place, "dureeMois": c.duration,
                   "dateSignature": c.notification_date,
                   "datePublicationDonnees": c.publication_date,
                   "dateDebutExecution": c.publication_date}
            if c.amount is not None:
                rec["valeurGlobale"] = _num(c.amount)
            rec["montantSubventionPublique"] = 0
            rec["concessionnaires"] = [self._party(p) for p in c.suppliers]
            rec["donneesExecution"] = []
            rec["modifications"] = []
        else:
            rec = {"_type": "Marché", "id": c.id, "uid": c.uid,
                   "acheteur": {"id": c.buyer.id, "nom": c.buyer.name}, "nature": c.nature,
                   "objet": c.object, "codeCPV": c.cpv, "procedure": c.procedure,
                   "lieuExecution": place, "dureeMois": c.duration,
                   "dateNotification": c.notification_date,
                   "datePublicationDonnees": c.publication_date}
            if c.amount is not None:
                rec["montant"] = _num(c.amount)
            rec["formePrix"] = c.price_form
            rec["titulaires"] = [self._party(p) for p in c.suppliers]
            mods = []
            for m in c.modifications:
                mod: dict[str, object] = {
                    "objetModification": m.object, "dureeMois": m.duration,
                    "dateNotificationModification": m.notification_date,
                    "datePublicationDonneesModification": m.publication_date,
                    "montant": _num(m.amount)}
                if m.suppliers is not None:
                    mod["titulaires"] = [self._party(p) for p in m.suppliers]
                mods.append(mod)
            rec["modifications"] = mods
        rec["source"] = SOURCE_VALUE
        self.fh.write((b"," if self.records > 1 else b"") + b"\n" + orjson.dumps(rec))

    def close(self) -> None:
        self.fh.write(b"\n]}\n")
        self.fh.close()


def _record_2024(c: Contract) -> dict[str, object]:
    """A 2024-format record (JSON shape; the XML writer walks the same dict)."""
    social = list(c.social) or ["Pas de considération sociale"]
    env = list(c.environmental) or ["Pas de considération environnementale"]
    if c.kind == "concession":
        rec: dict[str, object] = {
            "id": c.id, "autoriteConcedante": {"id": c.buyer.id}, "nature": c.nature,
            "objet": c.object, "procedure": c.procedure, "dureeMois": c.duration,
            "dateSignature": c.notification_date,
            "datePublicationDonnees": c.publication_date,
            "dateDebutExecution": c.publication_date}
        if c.amount is not None:
            rec["valeurGlobale"] = _num(c.amount)
        rec["montantSubventionPublique"] = 0
        rec["concessionnaires"] = [
            {"concessionnaire": {"typeIdentifiant": p.id_type, "id": p.id}} for p in c.suppliers]
        rec["considerationsSociales"] = {"considerationSociale": social}
        rec["considerationsEnvironnementales"] = {"considerationEnvironnementale": env}
        return rec
    techniques = ["Accord-cadre"] if c.nature == "Accord-cadre" else ["Sans objet"]
    modes = (["Bons de commande"] if c.nature == "Accord-cadre"
             else ["Marchés subséquents"] if c.nature == "Marché subséquent" else ["Sans objet"])
    rec = {"id": c.id, "acheteur": {"id": c.buyer.id}, "nature": "Marché", "objet": c.object,
           "codeCPV": c.cpv, "procedure": c.procedure, "techniques": {"technique": techniques},
           "modalitesExecution": {"modaliteExecution": modes}}
    if c.framework_id is not None:
        rec["idAccordCadre"] = c.framework_id
    rec.update({
        "lieuExecution": {"code": c.place_code, "typeCode": c.place_type},
        "dureeMois": c.duration, "dateNotification": c.notification_date,
        "datePublicationDonnees": c.publication_date})
    if c.amount is not None:
        rec["montant"] = _num(c.amount)
    rec.update({
        "formePrix": PRICE_FORMS_2024[c.seq % 3],
        "typesPrix": {"typePrix": [PRICE_TYPES_2024[c.seq % 3]]},
        "offresRecues": c.offers, "marcheInnovant": c.innovative,
        "ccag": CCAG[c.purchase_type], "attributionAvance": c.advance,
        "tauxAvance": c.advance_rate if c.advance else 0,
        "typeGroupementOperateurs": "Pas de groupement" if len(c.suppliers) == 1
        else "Conjoint",
        "sousTraitanceDeclaree": c.subcontracting_declared,
        "considerationsSociales": {"considerationSociale": social},
        "considerationsEnvironnementales": {"considerationEnvironnementale": env},
        "titulaires": [{"titulaire": {"typeIdentifiant": p.id_type, "id": p.id}}
                       for p in c.suppliers],
    })
    if c.modifications:
        mods = []
        for m in c.modifications:
            mod: dict[str, object] = {"id": m.number, "dureeMois": m.duration,
                                      "montant": _num(m.amount)}
            if m.suppliers is not None:
                mod["titulaires"] = [{"titulaire": {"typeIdentifiant": p.id_type, "id": p.id}}
                                     for p in m.suppliers]
            mod["dateNotificationModification"] = m.notification_date
            mod["datePublicationDonneesModification"] = m.publication_date
            mods.append({"modification": mod})
        rec["modifications"] = mods
    if c.subcontracts:
        rec["actesSousTraitance"] = [{"acteSousTraitance": {
            "id": s.number,
            "sousTraitant": {"id": s.subcontractor.id,
                             "typeIdentifiant": s.subcontractor.id_type},
            "dureeMois": s.duration, "dateNotification": s.notification_date,
            "montant": _num(s.amount), "variationPrix": "Ferme",
            "datePublicationDonnees": s.publication_date}} for s in c.subcontracts]
    return rec


class _Json2024(_Writer):
    """Marchés stream into the file; concessions into a side file appended at close."""

    format = "decp-2024"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.fh: IO[bytes] = path.open("wb")
        self.side_path = path.with_name(path.name + ".concessions.part")
        self.side: IO[bytes] = self.side_path.open("w+b")
        self.n_marches = self.n_concessions = 0
        self.fh.write(b'{"_avertissement":' + orjson.dumps(FICTITIOUS_NOTICE)
                      + b',"marches":{"marche":[')

    def _write(self, c: Contract) -> None:
        data = orjson.dumps(_record_2024(c))
        if c.kind == "concession":
            self.side.write((b"," if self.n_concessions else b"") + b"\n" + data)
            self.n_concessions += 1
        else:
            self.fh.write((b"," if self.n_marches else b"") + b"\n" + data)
            self.n_marches += 1

    def close(self) -> None:
        self.fh.write(b'\n],"contrat-concession":[')
        self.side.seek(0)
        shutil.copyfileobj(self.side, self.fh)
        self.side.close()
        self.side_path.unlink()
        self.fh.write(b"\n]}}\n")
        self.fh.close()


def _xml_value(value: object) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)


def _xml_fill(parent: Any, data: dict[str, object]) -> None:
    for key, value in data.items():
        if isinstance(value, list):
            container = etree.SubElement(parent, key)
            for item in value:  # [{"titulaire": {...}}] -> <titulaires><titulaire>...
                if isinstance(item, dict):
                    _xml_fill(container, item)
                else:
                    etree.SubElement(container, key).text = _xml_value(item)
        elif isinstance(value, dict):
            inner = next(iter(value.values()), None) if len(value) == 1 else None
            if isinstance(inner, list) and all(not isinstance(i, dict) for i in inner):
                # {"technique": ["a", "b"]} -> <techniques><technique>a</technique>...
                container = etree.SubElement(parent, key)
                item_tag = next(iter(value))
                for item in inner:
                    etree.SubElement(container, item_tag).text = _xml_value(item)
            else:
                _xml_fill(etree.SubElement(parent, key), value)
        elif value is not None:
            etree.SubElement(parent, key).text = _xml_value(value)


class _Xml2024(_Writer):
    format = "decp-2024-xml"
    suffix = ".xml"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._cm = etree.xmlfile(str(path), encoding="utf-8")
        self.xf = self._cm.__enter__()
        self.xf.write_declaration()
        self.xf.write(etree.Comment(f" {FICTITIOUS_NOTICE} "))
        self._root_cm = self.xf.element("marches")
        self._root_cm.__enter__()

    def _write(self, c: Contract) -> None:
        el = etree.Element("contrat-concession" if c.kind == "concession" else "marche")
        _xml_fill(el, _record_2024(c))
        self.xf.write(el)
        if self.records % 256 == 0:
            self.xf.flush()

    def close(self) -> None:
        self._root_cm.__exit__(None, None, None)
        self._cm.__exit__(None, None, None)


TABULAR_COLUMNS = (
    "uid", "id", "nature", "type", "objet", "codeCPV", "procedure", "acheteur_id", "acheteur_nom",
    "titulaire_typeIdentifiant", "titulaire_id", "titulaire_nom", "montant", "dateNotification",
    "datePublicationDonnees", "dureeMois", "offresRecues", "formePrix", "lieuExecution_code",
    "lieuExecution_typeCode", "considerationsSociales", "considerationsEnvironnementales",
    "acheteur_departement_code", "titulaire_departement_code", "source",
)


class _Tabular(_Writer):
    """One row per contract x supplier (no modification rows), amount repeated on each row."""

    format = "decp-tabular"
    suffix = ".csv"
    carries: frozenset[str] = frozenset()

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.fh: IO[str] = path.open("w", encoding="utf-8", newline="")
        self.csv = csv.writer(self.fh)
        self.csv.writerow(TABULAR_COLUMNS)

    def _write(self, c: Contract) -> None:
        amount = "" if c.amount is None else str(_num(c.amount))
        for p in c.suppliers:
            self.stats["rows"] += 1
            self.csv.writerow((
                c.uid, c.id, c.nature, c.purchase_type, c.object,
                "" if c.kind == "concession" else c.cpv, c.procedure,
                c.buyer.id, c.buyer.name, p.id_type, p.id, p.name, amount, c.notification_date,
                c.publication_date, c.duration, c.offers, c.price_form, c.place_code,
                c.place_type, ", ".join(c.social) or "Pas de considération sociale",
                ", ".join(c.environmental) or "Pas de considération environnementale",
                c.buyer.department, p.department, SOURCE_VALUE,
            ))

    def close(self) -> None:
        self.fh.close()


_WRITERS: dict[str, type[_Writer]] = {
    "decp-2019": _Json2019, "decp-2024": _Json2024, "decp-2024-xml": _Xml2024,
    "decp-tabular": _Tabular,
}


def generate_decp(
    out_dir: Path,
    *,
    contracts: int,
    seed: int = 0,
    formats: Sequence[str] = FORMATS,
    files_per_format: int = 1,
) -> list[Path]:
    """Write ``contracts`` fictitious contracts (+ ~1 % duplicates) spread over the files.

    Contracts are dealt at random (seeded) over ``len(formats) * files_per_format`` files; a
    duplicate (same buyer + id) is a copy of a recent contract written to any file. Returns the
    data files; ``out_dir / MANIFEST_NAME`` holds the exact counts.
    """
    unknown = [f for f in formats if f not in _WRITERS]
    if unknown or not formats:
        raise ValueError(f"unknown formats {unknown}; expected some of {list(_WRITERS)}")
    if contracts < 0 or files_per_format < 1:
        raise ValueError("contracts must be >= 0 and files_per_format >= 1")
    out_dir.mkdir(parents=True, exist_ok=True)
    writers: list[_Writer] = []
    for fmt in formats:
        cls = _WRITERS[fmt]
        for n in range(1, files_per_format + 1):
            writers.append(cls(out_dir / f"synth_{fmt}_{n:03d}{cls.suffix}"))
    dispatch = random.Random(f"{seed}:dispatch")
    recent: deque[Contract] = deque(maxlen=256)
    duplicates = 0
    try:
        for contract in iter_contracts(contracts, seed=seed):
            dispatch.choice(writers).write(contract)
            if recent and dispatch.random() < RATE_DUPLICATE:
                dispatch.choice(writers).write(dispatch.choice(recent))
                duplicates += 1
            recent.append(contract)
    finally:
        for w in writers:
            w.close()
    _write_manifest(out_dir, writers, contracts=contracts, seed=seed, duplicates=duplicates)
    return [w.path for w in writers]


def _write_manifest(out_dir: Path, writers: list[_Writer], *, contracts: int, seed: int,
                    duplicates: int) -> None:
    totals: Counter[str] = Counter()
    files = []
    for w in writers:
        totals.update(w.stats)
        files.append({
            "file": w.path.name, "format": w.format, "records": w.records,
            "counts": {k: w.stats[k] for k in ("marches", "concessions", "modifications",
                                               "subcontracts", "rows") if k in w.stats},
            "dirt": {k: w.stats[k] for k in DIRT_KINDS},
        })
    manifest = {
        "_avertissement": FICTITIOUS_NOTICE,
        "generator": "ancrage.synth.decp",
        "seed": seed,
        "contracts": contracts,
        "records": sum(w.records for w in writers),
        "duplicates": duplicates,
        "dirt": {k: totals[k] for k in DIRT_KINDS},
        "rates": {k: v for k, v in globals().items() if k.startswith("RATE_")},
        "files": files,
    }
    (out_dir / MANIFEST_NAME).write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
