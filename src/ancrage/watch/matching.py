"""Match notices and lots against company profiles, with an explanation in plain French.

Profiles are indexed, never scanned: an inverted index maps (CPV prefix, département) and
(keyword stem, département) to profile numbers — profiles without an area sit under the key
``None`` (anywhere) — so a lot only meets the profiles that share one of its CPV prefixes or
one of its words *and* its place. Work grows with candidate matches, not with profiles × notices.

CPV proximity (``cpv`` = significant digits of a code): the lot's code lies inside a prefix of the
profile → 1.0 ("votre métier"); the lot's code is broader than the profile's prefix (3 digits at
least) → 0.6; same group (3 digits), only when a keyword matched too → 0.3. A candidate needs a
CPV score of at least 0.6 or a keyword. Hard filters: excluded keyword, purchase type, reserved
contracts preference, allotted only, deadline passed, beyond the radius, value beyond ×/÷ 3 of the
range. The score weighs CPV 0.35, keywords 0.2, distance 0.15, value 0.1, certifications 0.1,
deadline 0.1.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from operator import itemgetter
from pathlib import Path

from ancrage.geo import Geography
from ancrage.geo.centroids import POSTAL_BASE_FILE, Point
from ancrage.geo.geography import haversine_km
from ancrage.geo.text import fold
from ancrage.notices.model import AwardCriterion, Lot, Notice
from ancrage.notices.search import analyse, query_stems
from ancrage.notices.store import departements, status_of
from ancrage.settings import Settings
from ancrage.watch.model import Profile

OPEN_KINDS = ("contract_notice", "prior_information")
MIN_SCORE = 0.4
WEIGHTS = {"cpv": 0.35, "keywords": 0.2, "distance": 0.15, "value": 0.1, "cert": 0.1, "days": 0.1}
DEFAULT_SCALE_KM = 200.0  # distance at which the distance score reaches 0 without a radius
VALUE_SLACK = 3.0  # a value beyond ×/÷ 3 of the range is dropped
ANYWHERE: str | None = None
BOX_MARGIN_KM = 5.0  # a bounding box's nearest point is a lower bound of its distance, ±<1 km


# ---------------------------------------------------------------- text helpers


def euros(value: float) -> str:
    """``45 k€``, ``1,2 M€``, ``800 €``."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}".replace(".", ",").replace(",0", "") + " M€"
    if value >= 1_000:
        return f"{value / 1_000:.0f} k€"
    return f"{value:.0f} €"


def cpv_digits(code: str) -> str:
    """Significant digits of an 8-digit CPV code (at least 2)."""
    head = code[:8].rstrip("0")
    return head if len(head) >= 2 else code[:2]


def _weight_text(c: AwardCriterion) -> str:
    if c.weight is None:
        return ""
    return f" {c.weight_as_given or f'{c.weight.normalize():f}'}".rstrip() + (
        "" if (c.weight_as_given or "").strip().endswith(("%", "points")) else " %"
    )


def green_criteria(criteria: Iterable[AwardCriterion]) -> list[str]:
    """ "critère environnemental 20 %" for each award criterion about the environment / social."""
    found: list[str] = []
    for c in criteria:
        stems = set(analyse(f"{c.name or ''} {c.description or ''}").split())
        if stems & {"environnemental", "environnement", "ecolog", "carbon", "durabl"}:
            found.append("critère environnemental" + _weight_text(c))
        elif stems & {"social", "insert", "insertion"}:
            found.append("critère social" + _weight_text(c))
    return found


# ---------------------------------------------------------------- places


class Locator:
    """Points and départements of profiles and notices, from the COG (and La Poste's points
    when the postal base is there: without it, distances are unknown and areas are by
    département)."""

    def __init__(self, geography: Geography | None = None) -> None:
        self.geo = geography if geography is not None else Geography()

    @classmethod
    def for_settings(cls, settings: Settings) -> Locator:
        base = settings.reference_dir / "laposte" / POSTAL_BASE_FILE
        return cls(Geography(postal_base=base if base.is_file() else None))

    @classmethod
    def with_postal_base(cls, path: Path | None) -> Locator:
        return cls(Geography(postal_base=path))

    def commune_point(self, code: str | None) -> Point | None:
        if not code or self.geo.lookup_commune(code) is None:
            return None
        return self.geo.centroid(code)

    @cached_property
    def _dep_points(self) -> dict[str, tuple[tuple[float, float, float, float], list[Point]]]:
        """Commune points of each département, with their bounding box (lat min, lat max,
        lon min, lon max), read once."""
        points: dict[str, list[Point]] = defaultdict(list)
        for code, commune in self.geo.communes.items():
            point = self.geo.centroid(code)
            if point is not None:
                points[commune.departement].append(point)
        return {
            dep: (
                (
                    min(p[0] for p in pts),
                    max(p[0] for p in pts),
                    min(p[1] for p in pts),
                    max(p[1] for p in pts),
                ),
                pts,
            )
            for dep, pts in points.items()
        }

    @lru_cache(maxsize=65536)  # noqa: B019 - one locator per run, bounded
    def deps_within(self, commune: str, radius_km: float) -> frozenset[str]:
        """Départements with at least one commune point within the radius (the own département
        only when points are unknown). A département whose bounding box lies farther than the
        radius (with a margin for the box's curved edges) is not scanned."""
        found = self.geo.lookup_commune(commune)
        if found is None:
            return frozenset()
        home = self.geo.centroid(found[0].code)
        deps = {found[0].departement}
        if home is not None:
            lat, lon = home
            for dep, ((lat0, lat1, lon0, lon1), pts) in self._dep_points.items():
                if dep in deps:
                    continue
                nearest = (min(max(lat, lat0), lat1), min(max(lon, lon0), lon1))
                if haversine_km(home, nearest) > radius_km + BOX_MARGIN_KM:
                    continue
                if any(haversine_km(home, point) <= radius_km for point in pts):
                    deps.add(dep)
        return frozenset(deps)

    @lru_cache(maxsize=65536)  # noqa: B019
    def place_point(
        self, name: str | None, postal_code: str | None, city: str | None, deps: frozenset[str]
    ) -> tuple[Point | None, str | None]:
        """The point of a place written as a commune name (within ``deps``), else of the
        buyer's postal code and city; with the commune's name."""
        if name:
            key = fold(name.replace("cédex", "").replace("cedex", ""))
            for kind, code in self.geo.names.get(key, []):
                commune = self.geo.communes.get(code) if kind == "commune" else None
                if commune is not None and (not deps or commune.departement in deps):
                    return self.geo.centroid(code), commune.nom
        if postal_code and len(postal_code) == 5 and postal_code.isdigit():
            communes = self.geo.communes_of_postal_code(postal_code)
            wanted = fold((city or "").split(" cedex")[0].split(" CEDEX")[0])
            chosen = next((c for c in communes if fold(c.nom) == wanted), None)
            if chosen is None and communes:
                chosen = communes[0]
            if chosen is not None and (not deps or chosen.departement in deps):
                return self.geo.centroid(chosen.code), chosen.nom
        if city:  # a CEDEX postal code: the city name, without "cedex" and its number
            key = fold(re.split(r"(?i)\bcedex\b", city)[0])
            for kind, code in self.geo.names.get(key, []):
                commune = self.geo.communes.get(code) if kind == "commune" else None
                if commune is not None and (not deps or commune.departement in deps):
                    return self.geo.centroid(code), commune.nom
        return None, None


# ---------------------------------------------------------------- targets


@dataclass(frozen=True, slots=True)
class Target:
    """A notice (not allotted) or one of its lots, flattened for matching."""

    notice_id: str
    lot_index: int | None
    lot_number: str | None
    title: str
    cpv: tuple[str, ...]  # 8-digit codes
    value: float | None
    deps: frozenset[str]
    point: Point | None
    place: str | None
    deadline: datetime | None
    purchase_type: str | None
    reserved: bool
    allotted: bool
    stems: frozenset[str]
    labels: tuple[str, ...]  # certifications the notice names
    green: tuple[str, ...]
    total: float | None = None  # the whole call's value, when a lot has none of its own


def notice_version(notice: Notice) -> str:
    """What an alert depends on: a change of deadline or status gives a new version."""
    parts = [status_of(notice), str(notice.deadline)]
    parts += [str(lot.deadline) for lot in notice.lots]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:12]


def _lot_stems(lot: Lot) -> set[str]:
    return set(analyse(f"{lot.title or ''} {lot.description or ''}").split())


def targets_of(notice: Notice, locator: Locator | None) -> list[Target]:
    """The notice's lots (or the notice itself when it is not allotted)."""
    deps = frozenset(departements(notice))
    base_stems = set(analyse(f"{notice.title or ''} {notice.description or ''}").split())
    base_stems |= {s for _, label in notice.trade_descriptors for s in analyse(label).split()}
    labels = tuple(dict.fromkeys(notice.qualification_labels))
    reserved = bool(notice.reserved)
    green = green_criteria(notice.award_criteria)
    green += [
        f"considération {'environnementale' if c.kind == 'environmental' else 'sociale'}"
        for c in notice.considerations
        if c.kind in ("environmental", "social")
    ]
    notice_cpv = tuple(c for c in (notice.cpv_main, *notice.cpv_additional) if c)
    allotted = len(notice.lots) > 1
    base_value = float(notice.estimated_value.amount) if notice.estimated_value else None

    def place(lot_deps: frozenset[str], name: str | None) -> tuple[Point | None, str | None]:
        if locator is None:
            return None, None
        return locator.place_point(
            name or notice.place.commune, notice.buyer.postal_code, notice.buyer.city, lot_deps
        )

    if not allotted:
        lot = notice.lots[0] if notice.lots else None
        value = base_value
        if value is None and lot is not None and lot.value is not None:
            value = float(lot.value.amount)
        cpv = notice_cpv or (
            tuple(c for c in (lot.cpv_main, *lot.cpv_additional) if c) if lot else ()
        )
        stems = base_stems | (_lot_stems(lot) if lot else set())
        point, name = place(deps, None)
        lot_green = green_criteria(lot.award_criteria) if lot and not notice.award_criteria else []
        return [
            Target(
                lot_index=None,
                lot_number=None,
                title=notice.title or "",
                cpv=cpv,
                value=value if value else None,
                deps=deps,
                point=point,
                place=name,
                deadline=notice.deadline or (lot.deadline if lot else None),
                reserved=reserved or bool(lot and lot.reserved),
                allotted=False,
                stems=frozenset(stems),
                labels=labels,
                green=tuple(green + lot_green),
                notice_id=notice.id,
                purchase_type=notice.purchase_type,
            )
        ]
    out: list[Target] = []
    for i, lot in enumerate(notice.lots):
        lot_deps = (
            frozenset(lot.place.departements) if lot.place and lot.place.departements else deps
        )
        point, name = place(lot_deps, lot.place.commune if lot.place else None)
        cpv = tuple(c for c in (lot.cpv_main, *lot.cpv_additional) if c) or notice_cpv
        value = float(lot.value.amount) if lot.value and lot.value.amount else None
        total = base_value if value is None else None
        out.append(
            Target(
                lot_index=i,
                lot_number=lot.number or str(i + 1),
                title=lot.title or notice.title or "",
                cpv=cpv,
                value=value,
                deps=lot_deps,
                point=point,
                place=name,
                deadline=lot.deadline or notice.deadline,
                reserved=reserved or bool(lot.reserved),
                allotted=True,
                total=total,
                stems=frozenset(base_stems | _lot_stems(lot)),
                labels=labels,
                green=tuple(green + green_criteria(lot.award_criteria)),
                notice_id=notice.id,
                purchase_type=notice.purchase_type,
            )
        )
    return out


# ---------------------------------------------------------------- profiles


@dataclass(slots=True)
class Compiled:
    """A profile in the shape matching needs."""

    profile: Profile
    cpv: tuple[str, ...]
    keywords: tuple[tuple[str, ...], ...]  # stems of each keyword
    keyword_text: tuple[str, ...]
    excluded: tuple[tuple[str, ...], ...]
    deps: frozenset[str] | None  # None: anywhere
    point: Point | None
    certifications: frozenset[str]
    own_deps: frozenset[str] = frozenset()  # the départements the profile names
    keyword_den: int = 1  # keyword hits that give the full keyword score (1 or 2)


def compile_profile(profile: Profile, locator: Locator | None) -> Compiled:
    deps: set[str] | None = set(profile.departements) if profile.departements else None
    point = None
    if profile.radius_km is not None and profile.commune:
        within = (
            locator.deps_within(profile.commune, profile.radius_km)
            if locator is not None
            else frozenset({profile.departement} if profile.departement else ())
        )
        deps = (deps or set()) | set(within)
        point = locator.commune_point(profile.commune) if locator is not None else None
    keywords = [(k, tuple(query_stems(k))) for k in profile.keywords]
    keywords = [(k, s) for k, s in keywords if s]
    return Compiled(
        profile=profile,
        cpv=tuple(profile.cpv),
        keywords=tuple(s for _, s in keywords),
        keyword_text=tuple(k for k, _ in keywords),
        excluded=tuple(s for s in (tuple(query_stems(k)) for k in profile.excluded_keywords) if s),
        deps=frozenset(deps) if deps is not None else None,
        point=point,
        certifications=frozenset(fold(c) for c in profile.certifications),
        own_deps=frozenset(profile.departements),
        keyword_den=max(1, min(2, len(keywords))),
    )


# ---------------------------------------------------------------- results


@dataclass
class LotMatch:
    lot_number: str | None
    title: str
    score: float
    reasons: list[str]
    warnings: list[str]


class NoticeMatch:
    """The best of a notice's lots for one profile, and every lot that matched.

    The score, the deadline and the order of the lots come from the numbers
    (:func:`quick_score`); the French explanation of each lot (:attr:`lots`, :attr:`reasons`,
    :attr:`warnings`) is built on first use, so matching many profiles stays cheap."""

    __slots__ = (
        "_compiled",
        "_hits",
        "_lots",
        "_now",
        "_targets",
        "deadline",
        "notice_id",
        "profile_id",
        "profile_name",
        "score",
        "title",
    )

    def __init__(
        self,
        compiled: Compiled,
        notice: Notice,
        targets: Sequence[Target],
        hits: Sequence[tuple[float, int]],
        now: datetime,
    ) -> None:
        """``hits``: (rounded score, target index) of each matching target, in target order."""
        score, first = max(hits, key=itemgetter(0))  # the first of the best: the best lot
        best = targets[first]
        self.profile_id = compiled.profile.id
        self.profile_name = compiled.profile.name
        self.notice_id = notice.id
        self.title = notice.title or best.title
        self.score = score
        self.deadline = best.deadline
        self._compiled, self._targets, self._now = compiled, targets, now
        self._hits = hits
        self._lots: list[LotMatch] | None = None

    @property
    def lots(self) -> list[LotMatch]:
        if self._lots is None:
            order: list[tuple[float, int]] = []
            for hit in self._hits:  # a better lot goes first, the others keep their order
                if order and hit[0] > order[0][0]:
                    order.insert(0, hit)
                else:
                    order.append(hit)
            lots = []
            for _, i in order:
                lot = score_target(self._compiled, self._targets[i], self._now)
                if lot is None:
                    raise AssertionError("quick_score and score_target disagree")
                lots.append(lot)
            self._lots = lots
        return self._lots

    @property
    def reasons(self) -> list[str]:
        return self.lots[0].reasons

    @property
    def warnings(self) -> list[str]:
        return self.lots[0].warnings

    @property
    def explanation(self) -> str:
        text = " ; ".join(self.reasons + self.warnings)
        others = [m.lot_number for m in self.lots[1:] if m.lot_number]
        if others:
            text += f" ; autres lots concernés : {', '.join(others)}"
        return text


# ---------------------------------------------------------------- index and scoring


class ProfileIndex:
    """Inverted index of profiles: (CPV prefix | keyword stem, département | anywhere)."""

    def __init__(self, profiles: Sequence[Profile], locator: Locator | None = None) -> None:
        self.locator = locator
        self.compiled = [compile_profile(p, locator) for p in profiles if p.active]
        cpv_in: dict[tuple[str, str | None], list[int]] = defaultdict(list)
        cpv_above: dict[tuple[str, str | None], list[int]] = defaultdict(list)
        words: dict[tuple[str, str | None], list[int]] = defaultdict(list)
        for n, c in enumerate(self.compiled):
            cells: Iterable[str | None] = c.deps if c.deps is not None else (ANYWHERE,)
            for cell in cells:
                for prefix in c.cpv:
                    cpv_in[(prefix, cell)].append(n)
                    for size in range(3, len(prefix)):
                        cpv_above[(prefix[:size], cell)].append(n)
                for stems in c.keywords:
                    words[(stems[0], cell)].append(n)
        self._cpv_in = dict(cpv_in)
        self._cpv_above = dict(cpv_above)
        self._words = dict(words)
        self.stats = MatchStats()

    def __len__(self) -> int:
        return len(self.compiled)

    def candidates(self, target: Target, digits: Sequence[str] | None = None) -> set[int]:
        """Profiles sharing a CPV prefix or a keyword's first stem with the target, in its
        départements or anywhere (``digits``: the target's CPV digits, when already known)."""
        cells: list[str | None] = [ANYWHERE, *target.deps]
        found: set[int] = set()
        cpv_in, cpv_above, words = self._cpv_in, self._cpv_above, self._words
        for code_digits in digits if digits is not None else map(cpv_digits, target.cpv):
            for cell in cells:
                for size in range(2, len(code_digits) + 1):
                    hit = cpv_in.get((code_digits[:size], cell))
                    if hit:
                        found.update(hit)
                if len(code_digits) >= 3:
                    hit = cpv_above.get((code_digits, cell))
                    if hit:
                        found.update(hit)
        for stem in target.stems:
            for cell in cells:
                hit = words.get((stem, cell))
                if hit:
                    found.update(hit)
        return found

    def match_notice(self, notice: Notice, now: datetime) -> list[NoticeMatch]:
        """Every profile the notice (or one of its lots) matches, best lot first.

        Every candidate pair is scored with numbers only (:func:`quick_score`); the matches
        build their explanation (:func:`score_target`) when it is read."""
        if notice.kind not in OPEN_KINDS or status_of(notice) != "open":
            return []
        targets = [
            t for t in targets_of(notice, self.locator) if t.deadline is None or t.deadline > now
        ]
        passed: dict[int, list[tuple[float, int]]] = {}  # profile -> (score, target index)
        compiled = self.compiled
        for i, target in enumerate(targets):
            facts = TargetFacts.of(target, now)
            found = self.candidates(target, facts.digits)
            self.stats.candidates += len(found)
            for n in found:
                score = quick_score(compiled[n], target, facts)
                if score is not None:
                    hit = (round(score, 3), i)
                    if n in passed:
                        passed[n].append(hit)
                    else:
                        passed[n] = [hit]
        self.stats.lot_matches += sum(map(len, passed.values()))
        found_matches = [
            NoticeMatch(compiled[n], notice, targets, hits, now) for n, hits in passed.items()
        ]
        return sorted(found_matches, key=lambda m: (-m.score, m.profile_name))

    def match(self, notices: Iterable[Notice], now: datetime | None = None) -> list[NoticeMatch]:
        moment = now or datetime.now(UTC)
        return [m for notice in notices for m in self.match_notice(notice, moment)]


@dataclass(slots=True)
class MatchStats:
    """What a run of :meth:`ProfileIndex.match` did: candidate pairs scored, lots matched."""

    candidates: int = 0
    lot_matches: int = 0


@dataclass(frozen=True, slots=True)
class TargetFacts:
    """What every candidate of a target needs, computed once per target."""

    digits: tuple[str, ...]  # significant digits of its CPV codes
    labels: tuple[str, ...]  # certifications asked, folded
    days: int | None  # days left before the deadline

    @classmethod
    def of(cls, target: Target, now: datetime) -> TargetFacts:
        return cls(
            tuple(cpv_digits(code) for code in target.cpv),
            tuple(fold(label) for label in target.labels),
            (target.deadline - now).days if target.deadline is not None else None,
        )


def quick_score(c: Compiled, t: Target, facts: TargetFacts) -> float | None:
    """The score of :func:`score_target` (same hard filters, same arithmetic) without building
    the explanation; ``None`` when the pair is dropped or under the threshold. The deadline
    must not have passed (the caller drops such targets)."""
    p = c.profile
    stems = t.stems
    if c.deps is not None and c.deps.isdisjoint(t.deps):
        return None
    if p.purchase_types and t.purchase_type and t.purchase_type not in p.purchase_types:
        return None
    if (p.reserved == "only" and not t.reserved) or (p.reserved == "exclude" and t.reserved):
        return None
    if p.lots_only and not t.allotted:
        return None
    lo, hi = p.value_min, p.value_max
    if t.value is not None and (
        (hi is not None and t.value > hi * VALUE_SLACK)
        or (lo is not None and t.value * VALUE_SLACK < lo)
    ):
        return None
    for excluded in c.excluded:
        if all(s in stems for s in excluded):
            return None
    hits = 0
    for kw_stems in c.keywords:
        if all(s in stems for s in kw_stems):
            hits += 1
    cpv = 0.0
    for digits in facts.digits:
        for prefix in c.cpv:
            if digits.startswith(prefix):
                cpv = 1.0
                break
            if prefix.startswith(digits) and len(digits) >= 3:
                cpv = max(cpv, 0.6)
            elif hits and digits[:3] == prefix[:3]:
                cpv = max(cpv, 0.3)
        if cpv == 1.0:
            break
    if cpv < 0.6 and not hits:
        return None
    kw = min(1.0, hits / c.keyword_den)
    if t.point is not None and c.point is not None:
        km = haversine_km(c.point, t.point)
        if p.radius_km is not None and km > p.radius_km and not (c.own_deps & t.deps):
            return None
        dist = max(0.0, 1 - km / (p.radius_km or DEFAULT_SCALE_KM))
    elif c.deps is not None:
        dist = 0.7
    else:
        dist = 0.5
    if t.value is None:
        value = 0.8 if t.total is not None and (hi is None or t.total <= hi * VALUE_SLACK) else 0.5
    elif (hi is not None and t.value > hi) or (lo is not None and t.value < lo):
        value = 0.3
    else:
        value = 1.0
    cert = 1.0
    for label in facts.labels:
        if label not in c.certifications:
            cert = 0.0
    days_score = 0.5 if facts.days is None else 0.3 if facts.days < p.min_days else 1.0
    score = (
        WEIGHTS["cpv"] * cpv
        + WEIGHTS["keywords"] * kw
        + WEIGHTS["distance"] * dist
        + WEIGHTS["value"] * value
        + WEIGHTS["cert"] * cert
        + WEIGHTS["days"] * days_score
    )
    return score if score >= MIN_SCORE else None


def _cpv_score(c: Compiled, target: Target, keyword_hit: bool) -> tuple[float, str | None]:
    best, reason = 0.0, None
    for code in target.cpv:
        digits = cpv_digits(code)
        for prefix in c.cpv:
            label = c.profile.cpv_labels.get(prefix)
            trade = f" {label}" if label else ""
            if digits.startswith(prefix):
                score, text = 1.0, f"CPV {code}{trade} = votre métier"
            elif prefix.startswith(digits) and len(digits) >= 3:
                score, text = 0.6, f"CPV {code} : famille qui inclut votre métier{trade}"
            elif keyword_hit and digits[:3] == prefix[:3]:
                score, text = 0.3, f"CPV {code} proche de votre métier{trade}"
            else:
                continue
            if score > best:
                best, reason = score, text
    return best, reason


def score_target(c: Compiled, t: Target, now: datetime) -> LotMatch | None:
    """Score of one target for one profile, or ``None`` when a hard filter drops it."""
    p = c.profile
    if any(all(s in t.stems for s in stems) for stems in c.excluded):
        return None
    if p.purchase_types and t.purchase_type and t.purchase_type not in p.purchase_types:
        return None
    if (p.reserved == "only" and not t.reserved) or (p.reserved == "exclude" and t.reserved):
        return None
    if p.lots_only and not t.allotted:
        return None
    if t.deadline is not None and t.deadline <= now:
        return None
    if c.deps is not None and not (t.deps & c.deps):
        return None
    hits = [
        text
        for text, stems in zip(c.keyword_text, c.keywords, strict=True)
        if all(s in t.stems for s in stems)
    ]
    cpv, cpv_reason = _cpv_score(c, t, bool(hits))
    if cpv < 0.6 and not hits:
        return None
    reasons = [cpv_reason] if cpv_reason else []
    warnings: list[str] = []
    kw = min(1.0, len(hits) / max(1, min(2, len(c.keywords))))
    if hits:
        reasons.append("mots-clés : " + ", ".join(hits))
    # distance
    if t.point is not None and c.point is not None:
        km = haversine_km(c.point, t.point)
        if (
            p.radius_km is not None
            and km > p.radius_km
            and not (p.departements and t.deps & set(p.departements))
        ):
            return None
        dist = max(0.0, 1 - km / (p.radius_km or DEFAULT_SCALE_KM))
        reasons.append(f"à {km:.0f} km" + (f" ({t.place})" if t.place else ""))
    elif c.deps is not None:
        dist = 0.7
        reasons.append("dans votre zone (dép. " + ", ".join(sorted(t.deps & c.deps)) + ")")
    else:
        dist = 0.5
        if t.deps:
            reasons.append("dép. " + ", ".join(sorted(t.deps)))
    # value
    lot = f"lot {t.lot_number}" if t.lot_number else "marché"
    lo, hi = p.value_min, p.value_max
    if t.value is None:
        value = 0.5
        if t.total is not None and (hi is None or t.total <= hi * VALUE_SLACK):
            value = 0.8
            reasons.append(f"{lot}, appel de {euros(t.total)} au total")
        elif t.lot_number:
            reasons.append(f"{lot} (montant non précisé)")
    elif (hi is not None and t.value > hi * VALUE_SLACK) or (
        lo is not None and t.value * VALUE_SLACK < lo
    ):
        return None
    elif (hi is not None and t.value > hi) or (lo is not None and t.value < lo):
        value = 0.3
        reasons.append(f"{lot} de {euros(t.value)}")
        warnings.append("montant hors de votre fourchette")
    else:
        value = 1.0
        reasons.append(f"{lot} de {euros(t.value)}")
    # certifications
    cert = 1.0
    for label in t.labels:
        if fold(label) in c.certifications:
            reasons.append(f"{label} demandé : vous l'avez")
        else:
            cert = min(cert, 0.0)
            warnings.append(f"{label} demandé : absent de votre profil")
    # deadline
    if t.deadline is None:
        days_score = 0.5
        warnings.append("date limite non précisée")
    else:
        days = (t.deadline - now).days
        if days < p.min_days:
            days_score = 0.3
            warnings.append(f"délai court : {days} jour{'s' if days > 1 else ''}")
        else:
            days_score = 1.0
            reasons.append(f"il reste {days} jours")
    if t.reserved:
        reasons.append("marché réservé")
    reasons += list(dict.fromkeys(t.green))
    score = (
        WEIGHTS["cpv"] * cpv
        + WEIGHTS["keywords"] * kw
        + WEIGHTS["distance"] * dist
        + WEIGHTS["value"] * value
        + WEIGHTS["cert"] * cert
        + WEIGHTS["days"] * days_score
    )
    if score < MIN_SCORE:
        return None
    return LotMatch(t.lot_number, t.title, round(score, 3), reasons, warnings)
