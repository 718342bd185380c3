"""Profiles as columns: the scoring rules of :mod:`ancrage.watch.matching` applied with numpy to
every candidate (profile, lot) pair of a batch of lots at once.

:class:`ProfileTable` holds one array per profile attribute the score reads (point, radius,
value range, reserved and allotted preferences, minimum days; purchase types, certifications,
own départements, CPV groups and excluded words as bit sets) and the inverted index, whose
postings are sorted arrays of profile numbers:

- ``cpv_in[(prefix, cell)]``: profiles with that CPV prefix (a lot whose code lies inside
  scores 1.0);
- ``cpv_above[(code, cell)]``: profiles with a longer prefix under that code (0.6);
- ``words[(keyword, cell)]``: profiles with that keyword (its stems, one entry per repeat);

a cell is a département, or ``None`` for profiles without an area. The postings of a lot's
cells give its candidates with their CPV score and keyword hits, so the score needs no string
work; all the pairs of the batch are then scored column-wise.

Results are those of the scalar ``quick_score`` (:mod:`ancrage.watch.matching`), bit for bit:
every operation on a pair is the same IEEE operation in the same order (the weighted sum is
:func:`ancrage.watch.scoring.weighted_score` for both), except the haversine distance, where
numpy's sine and cosine may differ from the C library's in the last bit. The pairs where that
could change anything (distance within 1e-6 km of the radius, score within 1e-9 of the
threshold or of a rounding half) are handed back to the caller for the scalar reference, and so
are the pairs of profiles whose numbers numpy cannot hold exactly (a CPV prefix under 2
digits, an amount beyond 2⁵³).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ancrage.geo.radius import KM_MARGIN, haversine
from ancrage.watch import scoring
from ancrage.watch.model import Profile
from ancrage.watch.scoring import Compiled, Target, TargetFacts

SCORE_MARGIN = 1e-9  # a score this close to the threshold or a rounding half: scalar check
EXACT_INT = 2**53  # amounts beyond this are not exact in float64
WORD = 0xFFFF_FFFF_FFFF_FFFF

Ids = npt.NDArray[np.int32]
Longs = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Bits = npt.NDArray[np.uint64]
Cell = str | None
Postings = dict[tuple[str, Cell], Ids]
RESERVED_CODES = {"only": 1, "exclude": 2}
INSIDE, ABOVE, KEYWORD, LOOSE = 0, 1, 2, 3  # how a pair was found
CPV_OF_KIND = np.array([1.0, 0.6, 0.0, 0.0])


class BitSets:
    """Sets of strings as rows of 64-bit words, one bit per string of a vocabulary."""

    def __init__(self, rows: Sequence[Iterable[str]]) -> None:
        self.vocab: dict[str, int] = {}
        cache: dict[tuple[str, ...], int] = {}
        ints = []
        for row in rows:
            key = tuple(row)
            value = cache.get(key)
            if value is None:
                value = cache[key] = self._int(key, grow=True)
            ints.append(value)
        self.words = max(1, -(-len(self.vocab) // 64))
        self.bits: Bits = np.zeros((len(ints), self.words), dtype=np.uint64)
        for w in range(self.words):
            self.bits[:, w] = [(v >> (64 * w)) & WORD for v in ints]
        self.empty: Bools = np.logical_not(np.any(self.bits, axis=1))

    def _int(self, values: Iterable[str], *, grow: bool = False) -> int:
        out = 0
        for value in values:
            bit = self.vocab.get(value)
            if bit is None:
                if not grow:
                    continue
                bit = self.vocab[value] = len(self.vocab)
            out |= 1 << bit
        return out

    def masks(self, rows: Sequence[Iterable[str] | None]) -> Bits:
        """One row per item: the bits of its strings (those outside the vocabulary left out);
        ``None``: every bit."""
        every = (1 << (64 * self.words)) - 1
        ints = [every if row is None else self._int(row) for row in rows]
        out: Bits = np.zeros((len(ints), self.words), dtype=np.uint64)
        for w in range(self.words):
            out[:, w] = [(v >> (64 * w)) & WORD for v in ints]
        return out

    def knows(self, values: Iterable[str]) -> bool:
        return all(value in self.vocab for value in values)

    def meets(self, rows: Ids | Longs, masks: Bits) -> Bools:
        """Rows sharing at least one string with their mask (one mask per row)."""
        found: Bools = np.any(self.bits[rows] & masks, axis=1)
        return found

    def holds(self, rows: Ids | Longs, masks: Bits) -> Bools:
        """Rows holding every string of their mask."""
        found: Bools = np.all((self.bits[rows] & masks) == masks, axis=1)
        return found


def _exact(value: object) -> bool:
    if value is None:
        return True
    return isinstance(value, int | float) and abs(value) < EXACT_INT


@dataclass(frozen=True, slots=True)
class Scored:
    """The outcome of a batch: candidate pairs found, pairs above the threshold (lot index,
    profile, score not rounded) and pairs for the scalar reference (lot index, profile)."""

    candidates: int
    targets: Longs
    profiles: Longs
    scores: Floats
    check_targets: Longs
    check_profiles: Longs


class ProfileTable:
    """The profiles' numbers as columns and their inverted index as arrays (see the module)."""

    def __init__(self, compiled: Sequence[Compiled]) -> None:
        self.size = len(compiled)
        self.keyword_ids: dict[tuple[str, ...], list[str]] = {}  # stems -> one id per repeat
        self.keywords_by_stem: dict[str, list[tuple[str, ...]]] = {}
        self.excluded_by_stem: dict[str, list[tuple[str, ...]]] = {}
        short: dict[tuple[str, ...], bool] = {}  # CPV prefixes -> one under 2 digits
        for c in compiled:
            if c.cpv not in short:
                short[c.cpv] = any(len(prefix) < 2 for prefix in c.cpv)
        self.irregular = np.array(
            [short[c.cpv] or self._inexact(c.profile) for c in compiled], dtype=np.bool_
        )
        self._index(compiled)
        self._columns(compiled)

    @staticmethod
    def _inexact(p: Profile) -> bool:
        """A number float64 may not hold exactly (an int beyond 2⁵³, another type)."""
        for value in (p.value_min, p.value_max, p.radius_km):
            if value is not None and type(value) is not float and not _exact(value):
                return True
        return type(p.min_days) is not int or not abs(p.min_days) < EXACT_INT

    # ------------------------------------------------------------------ index

    def _keyword_ids(self, keywords: Sequence[tuple[str, ...]]) -> list[str]:
        """One id per keyword, ``stems#repeat``: a keyword given twice counts twice."""
        out: list[str] = []
        seen: dict[tuple[str, ...], int] = {}
        for stems in keywords:
            repeat = seen[stems] = seen.get(stems, -1) + 1
            ids = self.keyword_ids.get(stems)
            if ids is None:
                ids = self.keyword_ids[stems] = []
                self.keywords_by_stem.setdefault(stems[0], []).append(stems)
            if repeat == len(ids):
                ids.append(f"{' '.join(stems)}#{repeat}")
            out.append(ids[repeat])
        return out

    def _index(self, compiled: Sequence[Compiled]) -> None:
        """Postings of every (key, cell), built column-wise: each profile has a shape (its
        keys) and an area (its cells); the pairs key × cell of all profiles are expanded and
        sorted with numpy, one posting per run of equal (key, cell)."""
        keys: dict[tuple[int, str], int] = {}  # (kind, text) -> key number
        cells: dict[Cell, int] = {}
        shapes: dict[tuple[tuple[str, ...], tuple[tuple[str, ...], ...], bool], int] = {}
        shape_keys: list[list[int]] = []
        areas: dict[frozenset[str] | None, int] = {}
        area_cells: list[list[int]] = []
        shape_of = np.empty(self.size, dtype=np.int64)
        area_of = np.empty(self.size, dtype=np.int64)

        def key(kind: int, text: str) -> int:
            found = keys.get((kind, text))
            if found is None:
                found = keys[(kind, text)] = len(keys)
            return found

        for p, c in enumerate(compiled):
            irregular = bool(self.irregular[p])
            shape = (c.cpv, c.keywords, irregular)
            s = shapes.get(shape)
            if s is None:
                s = shapes[shape] = len(shape_keys)
                prefixes = list(dict.fromkeys(c.cpv))
                above = dict.fromkeys(x[:n] for x in prefixes for n in range(3, len(x)))
                wanted = [key(INSIDE, x) for x in prefixes] + [key(ABOVE, x) for x in above]
                wanted += [key(KEYWORD, kid) for kid in self._keyword_ids(c.keywords)]
                if irregular:  # found by a keyword's first stem, as the scalar index does
                    wanted += [key(LOOSE, x) for x in dict.fromkeys(k[0] for k in c.keywords)]
                shape_keys.append(wanted)
            shape_of[p] = s
            a = areas.get(c.deps)
            if a is None:
                a = areas[c.deps] = len(area_cells)
                named: Iterable[Cell] = sorted(c.deps) if c.deps is not None else (None,)
                area_cells.append([cells.setdefault(x, len(cells)) for x in named])
            area_of[p] = a
            for stems in dict.fromkeys(c.excluded):
                found = self.excluded_by_stem.setdefault(stems[0], [])
                if stems not in found:
                    found.append(stems)
        n_keys = np.array([len(k) for k in shape_keys], dtype=np.int64)[shape_of]
        n_cells = np.array([len(k) for k in area_cells], dtype=np.int64)[area_of]
        counts = n_keys * n_cells
        total = int(counts.sum())
        self.cpv_in: Postings = {}
        self.cpv_above: Postings = {}
        self.words: Postings = {}
        self.loose: Postings = {}
        if total == 0:  # no profile, or none with a CPV code or a keyword: nothing to find
            return
        rows = np.repeat(np.arange(self.size, dtype=np.int64), counts)
        j = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        row_cells = n_cells[rows]

        def flat(lists: list[list[int]]) -> tuple[Longs, Longs]:
            sizes = np.array([len(x) for x in lists], dtype=np.int64)
            values = np.array([v for x in lists for v in x], dtype=np.int64)
            return values, np.cumsum(sizes) - sizes

        key_values, key_starts = flat(shape_keys)
        cell_values, cell_starts = flat(area_cells)
        pair_keys = key_values[key_starts[shape_of[rows]] + j // row_cells]
        pair_cells = cell_values[cell_starts[area_of[rows]] + j % row_cells]
        code = pair_keys * max(1, len(cells)) + pair_cells
        order = np.argsort(code, kind="stable")  # profiles stay in order within a posting
        code = code[order]
        profiles = rows[order].astype(np.int32)
        starts = np.flatnonzero(np.concatenate([[True], code[1:] != code[:-1]]))
        ends = np.append(starts[1:], len(code))
        key_names = list(keys)
        cell_names = list(cells)
        by_kind = (self.cpv_in, self.cpv_above, self.words, self.loose)
        width = max(1, len(cells))
        bounds = zip(starts.tolist(), ends.tolist(), code[starts].tolist(), strict=True)
        for start, end, c in bounds:
            kind, text = key_names[c // width]
            by_kind[kind][(text, cell_names[c % width])] = profiles[start:end]

    def _columns(self, compiled: Sequence[Compiled]) -> None:
        nan = math.nan
        profiles = [c.profile for c in compiled]
        self.has_deps: Bools = np.array([c.deps is not None for c in compiled], dtype=np.bool_)
        points = [c.point or (nan, nan) for c in compiled]
        self.lat: Floats = np.radians(np.array([pt[0] for pt in points], dtype=np.float64))
        self.lon: Floats = np.radians(np.array([pt[1] for pt in points], dtype=np.float64))

        def floats(values: Iterable[float | None]) -> Floats:
            return np.array([nan if v is None else float(v) for v in values], dtype=np.float64)

        self.radius = floats(p.radius_km for p in profiles)
        self.scale = floats(p.radius_km or scoring.DEFAULT_SCALE_KM for p in profiles)
        self.lo = floats(p.value_min for p in profiles)
        self.hi = floats(p.value_max for p in profiles)
        self.hi_slack: Floats = self.hi * scoring.VALUE_SLACK
        self.reserved = np.array([RESERVED_CODES.get(p.reserved, 0) for p in profiles], np.int8)
        self.lots_only: Bools = np.array([p.lots_only for p in profiles], dtype=np.bool_)
        self.min_days = np.array(
            [p.min_days if type(p.min_days) is int else 0 for p in profiles], dtype=np.int64
        )
        self.keyword_den = np.array([c.keyword_den for c in compiled], dtype=np.int64)
        self.purchase = BitSets([p.purchase_types for p in profiles])
        self.certs = BitSets([c.certifications for c in compiled])
        self.own = BitSets([c.own_deps for c in compiled])
        heads: dict[tuple[str, ...], tuple[str, ...]] = {}
        for c in compiled:
            if c.cpv not in heads:
                heads[c.cpv] = tuple(dict.fromkeys(x[:3] for x in c.cpv))
        self.heads = BitSets([heads[c.cpv] for c in compiled])
        self.excluded = BitSets([tuple(" ".join(s) for s in c.excluded) for c in compiled])

    # ------------------------------------------------------------------ candidates

    def postings(self, target: Target, digits: Sequence[str]) -> list[tuple[int, Ids]]:
        """(how found, profiles) of every posting of the target's cells: its CPV codes'
        prefixes and shorter codes, the keywords it holds (a profile listed in two of its
        cells once), and for irregular profiles a keyword's first stem."""
        cells: list[Cell] = [None, *target.deps]
        out: list[tuple[int, Ids]] = []
        cpv_in, cpv_above, words = self.cpv_in, self.cpv_above, self.words
        for code in digits:
            for cell in cells:
                for size in range(2, len(code) + 1):
                    hit = cpv_in.get((code[:size], cell))
                    if hit is not None:
                        out.append((INSIDE, hit))
                if len(code) >= 3:
                    hit = cpv_above.get((code, cell))
                    if hit is not None:
                        out.append((ABOVE, hit))
        stems = target.stems
        several = len(cells) > 2  # a profile may sit in two of the target's départements
        for stem in stems:
            for keyword in self.keywords_by_stem.get(stem, ()):
                if all(s in stems for s in keyword):
                    for kid in self.keyword_ids[keyword]:
                        if several:
                            hit = words.get((kid, None))
                            if hit is not None:
                                out.append((KEYWORD, hit))
                            found = [a for c in cells[1:] if (a := words.get((kid, c))) is not None]
                            if len(found) > 1:
                                out.append((KEYWORD, np.unique(np.concatenate(found))))
                            elif found:
                                out.append((KEYWORD, found[0]))
                        else:
                            found = [a for c in cells if (a := words.get((kid, c))) is not None]
                            out += [(KEYWORD, a) for a in found]
        if self.loose:
            loose = self.loose
            out += [
                (LOOSE, a) for s in stems for c in cells if (a := loose.get((s, c))) is not None
            ]
        return out

    def candidates(self, target: Target, digits: Sequence[str]) -> Ids:
        """Profiles sharing a CPV prefix or a keyword with the target, in its départements or
        anywhere (sorted, distinct)."""
        found = self.postings(target, digits)
        if not found:
            return np.zeros(0, dtype=np.int32)
        return np.unique(np.concatenate([a for _, a in found]))

    # ------------------------------------------------------------------ scores

    def score(self, targets: Sequence[Target], facts: Sequence[TargetFacts]) -> Scored:
        """Every candidate pair of the targets, scored column-wise (see the module)."""
        arrays: list[Ids] = []
        owners: list[int] = []
        kinds: list[int] = []
        for i, (target, fact) in enumerate(zip(targets, facts, strict=True)):
            for kind, hit in self.postings(target, fact.digits):
                arrays.append(hit)
                owners.append(i)
                kinds.append(kind)
        if not arrays:
            none = np.zeros(0, dtype=np.int64)
            return Scored(0, none, none, np.zeros(0, dtype=np.float64), none, none)
        lengths = np.array([len(a) for a in arrays], dtype=np.int64)
        n = self.size
        packed = (
            np.repeat(np.array(owners, dtype=np.int64) * n, lengths)
            + np.concatenate(arrays).astype(np.int64)
        ) * 4 + np.repeat(np.array(kinds, dtype=np.int64), lengths)
        packed.sort()
        pair: Longs = packed >> 2
        how: Longs = packed & 3
        starts = np.flatnonzero(np.concatenate([[True], pair[1:] != pair[:-1]]))
        cpv = np.maximum.reduceat(CPV_OF_KIND[how], starts)
        hits = np.add.reduceat(np.equal(how, KEYWORD).astype(np.int64), starts)
        pair = pair[starts]
        t, p = pair // n, pair % n
        return self._score_pairs(targets, facts, t, p, cpv, hits)

    def _score_pairs(
        self,
        targets: Sequence[Target],
        facts: Sequence[TargetFacts],
        t: Longs,
        p: Longs,
        cpv: Floats,
        hits: Longs,
    ) -> Scored:
        nan = math.nan
        # the targets' numbers, one row per target
        value = np.array([nan if x.value is None else x.value for x in targets])
        total = np.array([nan if x.total is None else x.total for x in targets])
        t_lat = np.radians(np.array([x.point[0] if x.point else nan for x in targets]))
        t_lon = np.radians(np.array([x.point[1] if x.point else nan for x in targets]))
        t_reserved = np.array([x.reserved for x in targets], dtype=np.bool_)
        t_allotted = np.array([x.allotted for x in targets], dtype=np.bool_)
        no_days = np.array([f.days is None for f in facts], dtype=np.bool_)
        t_days = np.array([f.days or 0 for f in facts], dtype=np.int64)

        drop = (cpv < 0.6) & (hits == 0)
        near = np.flatnonzero((cpv < 0.6) & (hits > 0))  # same CPV group and a keyword: 0.3
        if len(near):
            heads = self.heads.masks([{d[:3] for d in f.digits} for f in facts])
            same = self.heads.meets(p[near], heads[t[near]])
            cpv[near[same]] = 0.3
        # hard filters
        kinds = self.purchase.masks([[x.purchase_type] if x.purchase_type else None
                                     for x in targets])
        drop |= ~(self.purchase.empty[p] | self.purchase.meets(p, kinds[t]))
        reserved = self.reserved[p]
        drop |= np.where(t_reserved[t], reserved == 2, reserved == 1)
        drop |= self.lots_only[p] & ~t_allotted[t]
        v, lo, hi, hi_slack = value[t], self.lo[p], self.hi[p], self.hi_slack[p]
        drop |= (v > hi_slack) | (v * scoring.VALUE_SLACK < lo)
        tt = total[t]
        value_score = np.where(
            np.isnan(v),
            np.where(~np.isnan(tt) & (np.isnan(hi) | (tt <= hi_slack)), 0.8, 0.5),
            np.where((v > hi) | (v < lo), 0.3, 1.0),
        )
        excluded = [
            [" ".join(k) for s in x.stems for k in self.excluded_by_stem.get(s, ())
             if all(w in x.stems for w in k)]
            for x in targets
        ]
        if any(excluded):
            banned = np.array([bool(e) for e in excluded], dtype=np.bool_)
            rows = np.flatnonzero(banned[t])
            masks = self.excluded.masks(excluded)
            drop[rows] |= self.excluded.meets(p[rows], masks[t[rows]])
        # distance
        dist = np.where(self.has_deps[p], 0.7, 0.5)
        pointed = ~np.isnan(t_lat[t]) & ~np.isnan(self.lat[p])
        close = np.zeros(len(p), dtype=np.bool_)  # too close to the radius to tell
        beyond = np.zeros(len(p), dtype=np.bool_)
        rows = np.flatnonzero(pointed)
        if len(rows):
            pr, tr = p[rows], t[rows]
            km = haversine(self.lat[pr], self.lon[pr], t_lat[tr], t_lon[tr])
            radius = self.radius[pr]
            out = km > radius
            edge = np.abs(km - radius) <= KM_MARGIN
            outside = np.flatnonzero(out | edge)
            if len(outside):
                deps = self.own.masks([x.deps for x in targets])
                own = self.own.meets(pr[outside], deps[tr[outside]])
                out[outside] &= ~own
                edge[outside] &= ~own
            beyond[rows] = out
            close[rows] = edge
            dist[rows] = np.maximum(0.0, 1 - km / self.scale[pr])
        # certifications, deadline
        cert = np.ones(len(p))
        if any(f.labels for f in facts):
            known = np.array([self.certs.knows(f.labels) for f in facts], dtype=np.bool_)
            asked = np.array([bool(f.labels) for f in facts], dtype=np.bool_)
            cert[asked[t] & ~known[t]] = 0.0
            rows = np.flatnonzero(asked[t] & known[t])
            masks = self.certs.masks([f.labels for f in facts])
            cert[rows] = np.where(self.certs.holds(p[rows], masks[t[rows]]), 1.0, 0.0)
        days = np.where(no_days[t], 0.5, np.where(t_days[t] < self.min_days[p], 0.3, 1.0))
        kw = np.minimum(1.0, hits / self.keyword_den[p])
        score = scoring.weighted_score(cpv, kw, dist, value_score, cert, days)
        thousandths = score * 1000
        check = close | (np.abs(thousandths - np.floor(thousandths) - 0.5) <= SCORE_MARGIN * 1000)
        check |= pointed & (np.abs(score - scoring.MIN_SCORE) <= SCORE_MARGIN)
        check &= ~drop & ~(beyond & ~close) & (score >= scoring.MIN_SCORE - SCORE_MARGIN)
        check |= self.irregular[p]
        keep = ~drop & ~beyond & ~check & (score >= scoring.MIN_SCORE)
        return Scored(len(p), t[keep], p[keep], score[keep], t[check], p[check])
