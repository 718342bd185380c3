"""Match notices and lots against company profiles, with an explanation in plain French.

Profiles are indexed, never scanned: an inverted index maps (CPV prefix, département) and
(keyword, département) to profile numbers — profiles without an area sit under the key
``None`` (anywhere) — so a lot only meets the profiles that share one of its CPV prefixes or
one of its keywords *and* its place. Work grows with candidate matches, not with profiles ×
notices. The index and the profiles' numbers are columns (:class:`ProfileTable` of
:mod:`ancrage.watch.columns`): the candidate pairs of a batch of lots are scored with numpy,
bit for bit as :func:`quick_score` (the scalar definition, kept for the few pairs numpy cannot
settle), and the French explanation (:func:`score_target`) is built only when a match is read.

CPV proximity (``cpv`` = significant digits of a code): the lot's code lies inside a prefix of the
profile → 1.0 ("votre métier"); the lot's code is broader than the profile's prefix (3 digits at
least) → 0.6; same group (3 digits), only when a keyword matched too → 0.3. A candidate needs a
CPV score of at least 0.6 or a keyword. Hard filters: excluded keyword, purchase type, reserved
contracts preference, allotted only, deadline passed, beyond the radius, value beyond ×/÷ 3 of the
range. The score weighs CPV 0.35, keywords 0.2, distance 0.15, value 0.1, certifications 0.1,
deadline 0.1.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat

import numpy as np
import numpy.typing as npt

from ancrage.geo.centroids import Point
from ancrage.geo.geography import haversine_km
from ancrage.geo.radius import Locator
from ancrage.geo.text import fold
from ancrage.notices.analysis import analyse, query_stems
from ancrage.notices.model import (
    AwardCriterion,
    Lot,
    Notice,
    departements,
    display_id,
    status_of,
)
from ancrage.watch.columns import ProfileTable
from ancrage.watch.model import Profile
from ancrage.watch.scoring import (
    DEFAULT_SCALE_KM,
    MIN_SCORE,
    VALUE_SLACK,
    Compiled,
    Target,
    TargetFacts,
    cpv_digits,
    weighted_score,
)

OPEN_KINDS = ("contract_notice", "prior_information")
FRANCE = "FRA"  # ISO 3166 alpha-3, as eForms gives countries
COUNTRY_OF_NUTS = {"FR": FRANCE}  # the NUTS prefix of France; others only need to differ
ANYWHERE: str | None = None
BATCH_TARGETS = 2000  # targets scored together: bounds the memory of the pair arrays


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while many objects are made and none is dropped
    (compiling profiles, building matches): each of its passes would walk every object of the
    index again, for nothing — they hold no reference cycle to free."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# ---------------------------------------------------------------- text helpers


def euros(value: float) -> str:
    """``45 k€``, ``1,2 M€``, ``800 €``."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}".replace(".", ",").replace(",0", "") + " M€"
    if value >= 1_000:
        return f"{value / 1_000:.0f} k€"
    return f"{value:.0f} €"


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


# ---------------------------------------------------------------- targets


def abroad(notice: Notice) -> bool:
    """The call is for work outside France: no French département among its places, and the
    places (country, NUTS) or, without any, the buyer are in another country. A France-wide
    profile is not told about it."""
    if departements(notice):
        return False
    places = [notice.place, *(lot.place for lot in notice.lots if lot.place is not None)]
    countries = {p.country for p in places if p.country}
    countries |= {COUNTRY_OF_NUTS.get(n[:2], n[:2]) for p in places for n in p.nuts}
    if not countries and notice.buyer.country:
        countries = {notice.buyer.country}
    return bool(countries) and FRANCE not in countries


def notice_version(notice: Notice) -> str:
    """What an alert depends on: a change of deadline or status gives a new version."""
    parts = [status_of(notice), str(notice.deadline)]
    parts += [str(lot.deadline) for lot in notice.lots]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:12]


def _lot_stems(lot: Lot) -> set[str]:
    return set(analyse(f"{lot.title or ''} {lot.description or ''}").split())


def targets_of(notice: Notice, locator: Locator | None) -> list[Target]:
    """The notice's lots (or the notice itself when it is not allotted)."""
    origins = departements(notice)  # every place it gives; the buyer's only without any
    deps = frozenset(origins)
    site = frozenset(d for d, origin in origins.items() if origin == "place")
    listed = frozenset(d for d, origin in origins.items() if origin == "listed")
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
        point, name = place(site or deps, None)  # the buyer's point only on the works site
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
                site=site,
            )
        ]
    out: list[Target] = []
    for i, lot in enumerate(notice.lots):
        lot_site = frozenset(lot.place.departements) if lot.place else frozenset()
        lot_deps = (lot_site | listed) if lot_site else deps  # and those the BOAMP lists
        point, name = place(lot_site or site or deps, lot.place.commune if lot.place else None)
        cpv = tuple(c for c in (lot.cpv_main, *lot.cpv_additional) if c) or notice_cpv
        value = float(lot.value.amount) if lot.value and lot.value.amount else None
        total = base_value if value is None else None
        out.append(
            Target(
                lot_index=i,
                lot_number=lot.number,  # as the notice numbers it (None: no number given)
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
                site=lot_site or site,
            )
        )
    return out


# ---------------------------------------------------------------- profiles


class ProfileCompiler:
    """Compiles profiles, computing once what many profiles share: the area of a list of
    départements and a radius around a commune, the stems of a keyword, a folded
    certification."""

    def __init__(self, locator: Locator | None) -> None:
        self.locator = locator
        self._areas: dict[
            tuple[tuple[str, ...], str | None, float | None, str | None],
            tuple[frozenset[str] | None, Point | None],
        ] = {}
        self._stems: dict[str, tuple[str, ...]] = {}
        self._texts: dict[
            tuple[tuple[str, ...], ...],
            tuple[
                tuple[tuple[str, ...], ...],
                tuple[str, ...],
                tuple[tuple[str, ...], ...],
                frozenset[str],
                frozenset[str],
                int,
            ],
        ] = {}

    def _area(self, profile: Profile) -> tuple[frozenset[str] | None, Point | None]:
        key = (tuple(profile.departements), profile.commune, profile.radius_km,
               profile.departement)
        area = self._areas.get(key)
        if area is None:
            locator = self.locator
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
            area = self._areas[key] = (frozenset(deps) if deps is not None else None, point)
        return area

    def _stems_of(self, text: str) -> tuple[str, ...]:
        stems = self._stems.get(text)
        if stems is None:
            stems = self._stems[text] = tuple(query_stems(text))
        return stems

    def _words(
        self, profile: Profile
    ) -> tuple[
        tuple[tuple[str, ...], ...],
        tuple[str, ...],
        tuple[tuple[str, ...], ...],
        frozenset[str],
        frozenset[str],
        int,
    ]:
        """Keyword stems and texts, excluded stems, folded certifications, own départements and
        keyword share of a profile, shared by the profiles that say the same."""
        key = (
            tuple(profile.keywords),
            tuple(profile.excluded_keywords),
            tuple(profile.certifications),
            tuple(profile.departements),
        )
        found = self._texts.get(key)
        if found is None:
            keywords = [(k, self._stems_of(k)) for k in profile.keywords]
            keywords = [(k, s) for k, s in keywords if s]
            found = self._texts[key] = (
                tuple(s for _, s in keywords),
                tuple(k for k, _ in keywords),
                tuple(s for s in map(self._stems_of, profile.excluded_keywords) if s),
                frozenset(fold(c) for c in profile.certifications),
                frozenset(profile.departements),
                max(1, min(2, len(keywords))),
            )
        return found

    def compile(self, profile: Profile) -> Compiled:
        deps, point = self._area(profile)
        keywords, texts, excluded, certifications, own, den = self._words(profile)
        return Compiled(
            profile, tuple(profile.cpv), keywords, texts, excluded, deps, point, certifications,
            own, den,
        )


def compile_profile(profile: Profile, locator: Locator | None) -> Compiled:
    return ProfileCompiler(locator).compile(profile)


# ---------------------------------------------------------------- results


@dataclass
class LotMatch:
    lot_number: str | None
    title: str
    score: float
    reasons: list[str]
    warnings: list[str]


class MatchBatch:
    """What the matches of a batch of notices share: the notices with their targets, the
    moment, and every (target, rounded score) that passed, grouped by notice and profile, in
    target order."""

    __slots__ = ("notices", "now", "scores", "spans", "target_of")

    def __init__(
        self,
        notices: Sequence[tuple[Notice, Sequence[Target]]],
        now: datetime,
        target_of: npt.NDArray[np.int32],
        scores: npt.NDArray[np.float64],
        spans: npt.NDArray[np.int64],
    ) -> None:
        self.notices, self.now = notices, now
        self.target_of, self.scores = target_of, scores  # target index within its notice
        self.spans = spans  # group g (a notice and a profile): [spans[g], spans[g + 1])


class NoticeMatch:
    """The best of a notice's lots for one profile, and every lot that matched.

    The score and the order of the lots come from the numbers (:func:`quick_score`, or its
    column-wise twin :meth:`ProfileTable.score`); the French explanation of each lot
    (:attr:`lots`, :attr:`reasons`, :attr:`warnings`) is built on first use, so matching many
    profiles stays cheap."""

    __slots__ = ("_batch", "_best", "_compiled", "_group", "_lots", "_notice", "score")

    def __init__(
        self,
        compiled: Compiled,
        batch: MatchBatch,
        notice: int,
        group: int,
        score: float,
        best: int,
    ) -> None:
        """``notice``: its place in the batch; ``group``: the profile's hits in the batch;
        ``best``: the first of the notice's targets with the best score ``score``."""
        self._compiled, self._batch, self._notice, self._group = compiled, batch, notice, group
        self.score = score
        self._best = best
        self._lots: list[LotMatch] | None = None

    @property
    def profile_id(self) -> int | None:
        return self._compiled.profile.id

    @property
    def profile_name(self) -> str:
        return self._compiled.profile.name

    @property
    def notice_id(self) -> str:
        return self._batch.notices[self._notice][0].id

    @property
    def display_id(self) -> str:
        """The id users know (TED publication number, BOAMP avis number)."""
        return display_id(self._batch.notices[self._notice][0])

    @property
    def title(self) -> str:
        notice, targets = self._batch.notices[self._notice]
        return notice.title or targets[self._best].title

    @property
    def deadline(self) -> datetime | None:
        return self._batch.notices[self._notice][1][self._best].deadline

    @property
    def hits(self) -> list[tuple[float, int]]:
        """(rounded score, target index) of each matching target, in target order."""
        batch = self._batch
        start, end = batch.spans[self._group : self._group + 2].tolist()
        return list(
            zip(batch.scores[start:end].tolist(), batch.target_of[start:end].tolist(), strict=True)
        )

    @property
    def lots(self) -> list[LotMatch]:
        if self._lots is None:
            order: list[tuple[float, int]] = []
            for hit in self.hits:  # a better lot goes first, the others keep their order
                if order and hit[0] > order[0][0]:
                    order.insert(0, hit)
                else:
                    order.append(hit)
            lots = []
            targets = self._batch.notices[self._notice][1]
            for _, i in order:
                lot = score_target(self._compiled, targets[i], self._batch.now)
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
    """Profiles compiled once, as columns with their inverted index (:class:`ProfileTable`:
    (CPV prefix | keyword, département | anywhere) → profile numbers)."""

    def __init__(self, profiles: Sequence[Profile], locator: Locator | None = None) -> None:
        self.locator = locator
        compiler = ProfileCompiler(locator)
        with no_cycle_collection():
            self.compiled = [compiler.compile(p) for p in profiles if p.active]
            self.table = ProfileTable(self.compiled)
        names = [c.profile.name for c in self.compiled]
        rank = np.empty(len(names), dtype=np.int64)
        rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
        self._name_rank = rank
        self.stats = MatchStats()

    def __len__(self) -> int:
        return len(self.compiled)

    def candidates(self, target: Target, digits: Sequence[str] | None = None) -> set[int]:
        """Profiles sharing a CPV prefix or a keyword with the target, in its départements or
        anywhere (``digits``: the target's CPV digits, when already known)."""
        known = digits if digits is not None else [cpv_digits(code) for code in target.cpv]
        return set(self.table.candidates(target, known).tolist())

    def open_targets(self, notice: Notice, now: datetime) -> list[Target]:
        """The targets of an open call in France whose deadline has not passed."""
        if notice.kind not in OPEN_KINDS or status_of(notice) != "open" or abroad(notice):
            return []
        return [
            t for t in targets_of(notice, self.locator) if t.deadline is None or t.deadline > now
        ]

    def match_notice(self, notice: Notice, now: datetime) -> list[NoticeMatch]:
        """Every profile the notice (or one of its lots) matches, best score first (then by
        profile name), best lot first; the explanations are built when read."""
        targets = self.open_targets(notice, now)
        if not targets:
            return []
        with no_cycle_collection():
            return self.match_batch([(notice, targets)], now)

    def match(self, notices: Iterable[Notice], now: datetime | None = None) -> list[NoticeMatch]:
        """:meth:`match_notice` of each notice, in order; notices are scored by batches of
        about :data:`BATCH_TARGETS` targets."""
        moment = now or datetime.now(UTC)
        out: list[NoticeMatch] = []
        batch: list[tuple[Notice, list[Target]]] = []
        size = 0
        with no_cycle_collection():
            for notice in notices:
                targets = self.open_targets(notice, moment)
                if targets:
                    batch.append((notice, targets))
                    size += len(targets)
                if size >= BATCH_TARGETS:
                    out += self.match_batch(batch, moment)
                    batch, size = [], 0
            if batch:
                out += self.match_batch(batch, moment)
        return out

    def score_batch(
        self, targets: Sequence[Target], now: datetime
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """(target index, profile, rounded score) of every pair above the threshold.

        Candidate pairs are scored column-wise (:meth:`ProfileTable.score`); the few pairs
        numpy may not give bit for bit, and irregular profiles, go through
        :func:`quick_score`."""
        facts = [TargetFacts.of(t, now) for t in targets]
        scored = self.table.score(targets, facts)
        self.stats.candidates += scored.candidates
        rounded = np.rint(scored.scores * 1000) / 1000  # = round(x, 3): no score near a half
        t, p = scored.targets, scored.profiles
        if len(scored.check_targets):
            compiled = self.compiled
            extra = [
                (i, n, round(x, 3))
                for i, n in zip(
                    scored.check_targets.tolist(), scored.check_profiles.tolist(), strict=True
                )
                if (x := quick_score(compiled[n], targets[i], facts[i])) is not None
            ]
            if extra:
                t = np.concatenate([t, np.array([i for i, _, _ in extra], dtype=np.int64)])
                p = np.concatenate([p, np.array([n for _, n, _ in extra], dtype=np.int64)])
                rounded = np.concatenate([rounded, np.array([x for _, _, x in extra])])
        return t, p, rounded

    def match_batch(
        self, batch: Sequence[tuple[Notice, Sequence[Target]]], now: datetime
    ) -> list[NoticeMatch]:
        """The matches of a batch of notices (with their open targets), notice by notice."""
        targets = [t for _, ts in batch for t in ts]
        t, p, scores = self.score_batch(targets, now)
        if not len(t):
            return []
        self.stats.lot_matches += len(t)
        sizes = np.array([len(ts) for _, ts in batch], dtype=np.int64)
        notice_of = np.repeat(np.arange(len(batch), dtype=np.int64), sizes)
        first = np.cumsum(sizes) - sizes
        owner_notice = notice_of[t]
        n = max(1, len(self.compiled))
        order = np.argsort((owner_notice * n + p) * len(targets) + t)  # notice, profile, target
        t, p, scores, owner_notice = t[order], p[order], scores[order], owner_notice[order]
        local = t - first[owner_notice]
        size = len(t)
        new = np.concatenate([[True], (p[1:] != p[:-1]) | (owner_notice[1:] != owner_notice[:-1])])
        starts = np.flatnonzero(new)
        ends = np.append(starts[1:], size)
        best = np.maximum.reduceat(scores, starts)
        group = np.repeat(np.arange(len(starts)), ends - starts)
        position = np.where(scores == best[group], np.arange(size), size)
        best_target = local[np.minimum.reduceat(position, starts)]
        owners = p[starts]
        group_notice = owner_notice[starts]
        thousandths = 1000 - np.rint(best * 1000).astype(np.int64)  # best score first
        ranked = np.argsort((group_notice * 1001 + thousandths) * n + self._name_rank[owners])
        shared = MatchBatch(batch, now, local.astype(np.int32), scores, np.append(starts, size))
        compiled = self.compiled
        return list(
            map(
                NoticeMatch,
                map(compiled.__getitem__, owners[ranked].tolist()),
                repeat(shared),
                group_notice[ranked].tolist(),
                ranked.tolist(),
                best[ranked].tolist(),
                best_target[ranked].tolist(),
            )
        )


@dataclass(slots=True)
class MatchStats:
    """What a run of :meth:`ProfileIndex.match` did: candidate pairs scored, lots matched."""

    candidates: int = 0
    lot_matches: int = 0


def refused_by_preferences(p: Profile, t: Target) -> bool:
    """The profile's preferences drop the target: purchase type, reserved contracts, lots only."""
    if p.purchase_types and t.purchase_type and t.purchase_type not in p.purchase_types:
        return True
    if (p.reserved == "only" and not t.reserved) or (p.reserved == "exclude" and t.reserved):
        return True
    return bool(p.lots_only and not t.allotted)


def quick_score(c: Compiled, t: Target, facts: TargetFacts) -> float | None:
    """The score of :func:`score_target` (same hard filters, same arithmetic) without building
    the explanation; ``None`` when the pair is dropped or under the threshold. The deadline
    must not have passed (the caller drops such targets)."""
    p = c.profile
    stems = t.stems
    if c.deps is not None and c.deps.isdisjoint(t.deps):
        return None
    if refused_by_preferences(p, t):
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
    score = weighted_score(cpv, kw, dist, value, cert, days_score)
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


def where_phrase(t: Target, deps: frozenset[str] | set[str]) -> str:
    """Which places of the notice the match is on: the works site (« lieu d'exécution :
    Doulaincourt-Saucourt (52) »), a département the BOAMP record lists, the buyer's."""
    on_site = sorted(deps & t.site)
    listed = sorted(deps - t.site)
    parts = []
    if on_site:
        place = f"{t.place} ({', '.join(on_site)})" if t.place else "dép. " + ", ".join(on_site)
        parts.append(f"lieu d'exécution : {place}")
    if listed:
        parts.append(
            ("dép. " if t.site else "dép. de l'acheteur ") + ", ".join(listed)
            + (" cité par l'avis" if t.site or on_site else "")
        )
    if listed and t.site and not on_site:
        parts.append("travaux à " + (t.place or "dép. " + ", ".join(sorted(t.site))))
    return " ; ".join(parts)


def lot_phrase(t: Target) -> str:
    """« lot 5 » as the notice numbers it; a lot without number by its title."""
    if t.lot_number:
        return f"lot {t.lot_number}"
    if t.allotted:
        title = t.title if len(t.title) <= 40 else t.title[:39].rsplit(" ", 1)[0] + "…"
        return f"lot « {title} »"
    return "marché"


def score_target(c: Compiled, t: Target, now: datetime) -> LotMatch | None:
    """Score of one target for one profile, or ``None`` when a hard filter drops it."""
    p = c.profile
    if any(all(s in t.stems for s in stems) for stems in c.excluded):
        return None
    if refused_by_preferences(p, t):
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
        reasons.append("dans votre zone : " + where_phrase(t, t.deps & c.deps))
    else:
        dist = 0.5
        if t.deps:
            reasons.append(where_phrase(t, t.deps))
    # value
    lot = lot_phrase(t)
    lo, hi = p.value_min, p.value_max
    if t.value is None:
        value = 0.5
        if t.total is not None and (hi is None or t.total <= hi * VALUE_SLACK):
            value = 0.8
            reasons.append(f"{lot}, appel de {euros(t.total)} au total")
        elif t.allotted:
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
    score = weighted_score(cpv, kw, dist, value, cert, days_score)
    if score < MIN_SCORE:
        return None
    return LotMatch(t.lot_number, t.title, round(score, 3), reasons, warnings)
