"""The signals, as pure functions over plain rows of the whole district (no database here: `scan`
loads the rows in a few set-based queries and persists what these functions find).

Every threshold is a named constant below, documented and shown on /rules. A finding is a signal for
a person to examine, never a sanction: each carries the numbers behind it and the tenders and people
it concerns. Only tenders whose bidding deadline has passed are ever looked at (sealed bids stay sealed).
"""

from __future__ import annotations

import hashlib
import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations
from typing import Any

import numpy as np

# --- thresholds (named, documented; the README and /rules list them) --------------------------------

#: robust z-scores use the median and 1.4826 × the median absolute deviation (MAD), never less than
#: ROBUST_SCALE_FLOOR points, so a district where every panel agrees perfectly does not divide by zero
ROBUST_SCALE_FLOOR = 1.0
#: a panel's consensus on a bid: the mean of its members' totals, the highest and lowest dropped when
#: there are at least TRIM_AT scores (the award's own rule, award.trim_when_at_least, by default 5)
TRIM_AT = 5

#: outlier rater: a member is flagged only across tenders, never for one — scored in at least
#: OUTLIER_MIN_TENDERS tenders, with a median robust z of their per-tender deviation ≥ OUTLIER_Z
#: (so more than half of their tenders are that far out) and a median deviation ≥ OUTLIER_MIN_POINTS
OUTLIER_MIN_TENDERS = 3
OUTLIER_Z = 3.0
OUTLIER_MIN_POINTS = 5.0
OUTLIER_HIGH_Z = 5.0

#: favouritism: a member scored one organization above the panel's consensus — by at least
#: FAVOUR_MIN_LIFT points on average, more than their own leniency towards the other bids of the same
#: tenders — in at least FAVOUR_MIN_TENDERS tenders, the lift positive in FAVOUR_CONSISTENCY of them;
#: or always ranked it first (≥ FAVOUR_MIN_TENDERS tenders of two bids or more) while the panel put
#: it first in at most FAVOUR_PANEL_FIRST_SHARE of them
FAVOUR_MIN_TENDERS = 3
FAVOUR_MIN_LIFT = 8.0
FAVOUR_CONSISTENCY = 0.8
FAVOUR_PANEL_FIRST_SHARE = 0.5
FAVOUR_HIGH_LIFT = 15.0

#: near-duplicate intent letters: Jaccard similarity of jieba word SHINGLE-grams (MinHash with
#: MINHASH_PERMUTATIONS permutations finds the candidates, the exact Jaccard decides) ≥ SIMILAR_JACCARD,
#: between bids of different organizations that are not in the same joint bid; letters with fewer than
#: SIMILAR_MIN_SHINGLES shingles are too short to tell. Identical budgets (≥ BUDGET_MIN_LINES lines,
#: same items and amounts) in one tender count too.
SHINGLE = 3
MINHASH_PERMUTATIONS = 128
SIMILAR_JACCARD = 0.7
SIMILAR_MIN_SHINGLES = 20
BUDGET_MIN_LINES = 2

#: identical attachments (same SHA-256) in bids of different organizations; a file found in the bids
#: of ATTACHMENT_COMMON_ORGS organizations or more is a common form (the district's template), not a sign
ATTACHMENT_COMMON_ORGS = 4

#: price outlier: a winning price whose robust z (of its logarithm) among the winning prices of its
#: category is ≥ PRICE_Z, the category having at least PRICE_MIN_AWARDS awards
PRICE_MIN_AWARDS = 6
PRICE_Z = 3.5
PRICE_HIGH_Z = 5.0

#: bids clustered under the cap: a tender with at least UNDER_CAP_MIN_BIDS bids, every one of them
#: within UNDER_CAP_BAND of the cap (≥ 98 % of it)
UNDER_CAP_MIN_BIDS = 3
UNDER_CAP_BAND = 0.02

#: concentration: in a street and category, at least CONCENTRATION_MIN_AWARDS awards whose
#: Herfindahl–Hirschman index (the sum of the squared shares of the amounts awarded, 0–1) is ≥ HHI_THRESHOLD,
#: while the tenders drew on average at most CONCENTRATION_MAX_BIDDERS bids (a strong organization that
#: keeps winning against real competition is not flagged)
CONCENTRATION_MIN_AWARDS = 4
HHI_THRESHOLD = 0.5
CONCENTRATION_MAX_BIDDERS = 2.5

#: rotation and cover bidding: the same small set of organizations (2 to ROTATION_MAX_RING of them, and
#: nobody else) bidding against each other in at least ROTATION_MIN_TENDERS awarded tenders, where the
#: losing bids were never competitive: in every one of them (COVER_SHARE) the best losing bid trails the
#: winner by at least COVER_SCORE_GAP points of the panel's consensus (or, for a tender without scores,
#: asks at least COVER_PRICE_GAP more than the winner). The ring taking turns winning
#: (ROTATION_MIN_WINNERS different winners or more) makes it high; one permanent winner with covers, medium.
#: A few organizations of a niche meeting often in close contests (real competition) are not flagged.
ROTATION_MAX_RING = 4
ROTATION_MIN_TENDERS = 3
COVER_SCORE_GAP = 12.0
COVER_PRICE_GAP = 0.15
COVER_SHARE = 1.0
ROTATION_MIN_WINNERS = 2

#: hurried scoring: a member's scores of one tender (at least HURRY_MIN_SCORES bids) entered a median of
#: HURRY_GAP_SECONDS seconds apart or less, with the same reason text for HURRY_BOILERPLATE_SHARE of
#: the criteria or more
HURRY_MIN_SCORES = 3
HURRY_GAP_SECONDS = 30
HURRY_BOILERPLATE_SHARE = 0.6


# --- the rows the scan hands over --------------------------------------------------------------------

@dataclass(frozen=True)
class ScoreRow:
    project_id: int
    bid_id: int
    org_id: int
    user_id: int
    total: float
    at: datetime
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class BidRow:
    bid_id: int
    project_id: int
    org_id: int
    text: str = ""
    budget: tuple[tuple[str, str], ...] = ()
    total: float = 0.0
    cap: float = 0.0
    attachments: tuple[str, ...] = ()
    partner_ids: frozenset[int] = frozenset()  # confirmed or invited partners of this bid


@dataclass(frozen=True)
class OrgRow:
    id: int
    legal_representative: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


@dataclass(frozen=True)
class AwardRow:
    project_id: int
    org_id: int
    price: float
    category_id: int
    street_id: int


@dataclass
class Finding:
    signal: str
    key: str
    severity: str
    measure: float
    facts: dict[str, Any]
    rows: list[dict[str, Any]]
    project_ids: set[int] = field(default_factory=set)
    user_ids: set[int] = field(default_factory=set)
    org_ids: set[int] = field(default_factory=set)
    chart: dict[str, Any] | None = None


# --- statistics ------------------------------------------------------------------------------------------

def trimmed_mean(values: Sequence[float], trim_at: int = TRIM_AT) -> float:
    ordered = sorted(values)
    if len(ordered) >= trim_at:
        ordered = ordered[1:-1]
    return sum(ordered) / len(ordered)


def robust_scale(values: Sequence[float]) -> tuple[float, float]:
    """(median, 1.4826 × MAD floored at ROBUST_SCALE_FLOOR)."""
    centre = statistics.median(values)
    mad = statistics.median([abs(v - centre) for v in values])
    return centre, max(1.4826 * mad, ROBUST_SCALE_FLOOR)


def hhi(amounts: Iterable[float]) -> float:
    values = [a for a in amounts if a > 0]
    total = sum(values)
    return sum((a / total) ** 2 for a in values) if total else 0.0


def r(value: float, places: int = 2) -> float:
    return round(float(value), places)


def _consensus(scores: Sequence[ScoreRow], trim_at: int) -> dict[int, float]:
    by_bid: dict[int, list[float]] = defaultdict(list)
    for s in scores:
        by_bid[s.bid_id].append(s.total)
    return {bid: trimmed_mean(totals, trim_at) for bid, totals in by_bid.items() if len(totals) >= 2}


# --- outlier raters -----------------------------------------------------------------------------------

def outlier_raters(scores: Sequence[ScoreRow], trim_at: int = TRIM_AT) -> list[Finding]:
    consensus = _consensus(scores, trim_at)
    per: dict[tuple[int, int], list[float]] = defaultdict(list)
    for s in scores:
        if s.bid_id in consensus:
            per[(s.user_id, s.project_id)].append(abs(s.total - consensus[s.bid_id]))
    deviation = {k: sum(v) / len(v) for k, v in per.items()}
    if len(deviation) < 2:
        return []
    centre, scale = robust_scale(list(deviation.values()))
    by_user: dict[int, list[tuple[int, float, float]]] = defaultdict(list)
    for (user, project), dev in deviation.items():
        by_user[user].append((project, dev, (dev - centre) / scale))
    found = []
    for user, items in by_user.items():
        if len(items) < OUTLIER_MIN_TENDERS:
            continue
        z = statistics.median(z for _p, _d, z in items)
        dev = statistics.median(d for _p, d, _z in items)
        if z < OUTLIER_Z or dev < OUTLIER_MIN_POINTS:
            continue
        items.sort()
        found.append(Finding(
            "outlier_rater", f"outlier:u{user}", "high" if z >= OUTLIER_HIGH_Z else "medium", r(z),
            {"tenders": len(items), "deviation": r(dev), "z": r(z), "district_median": r(centre),
             "far": sum(1 for *_x, zz in items if zz >= OUTLIER_Z)},
            [{"project": p, "deviation": r(d), "z": r(zz)} for p, d, zz in items],
            {p for p, _d, _z in items}, {user}, set(),
            {"kind": "deviation", "median": r(centre)}))
    return found


# --- favouritism --------------------------------------------------------------------------------------

def favouritism(scores: Sequence[ScoreRow], trim_at: int = TRIM_AT) -> list[Finding]:
    consensus = _consensus(scores, trim_at)
    mine: dict[tuple[int, int], list[ScoreRow]] = defaultdict(list)  # (user, project) → their scores
    for s in scores:
        if s.bid_id in consensus:
            mine[(s.user_id, s.project_id)].append(s)
    per_pair: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for (user, project), rows in mine.items():
        panel_first = max(rows, key=lambda s: (consensus[s.bid_id], -s.bid_id)).org_id if len(rows) >= 2 else None
        member_first = max(rows, key=lambda s: (s.total, -s.bid_id)).org_id if len(rows) >= 2 else None
        for s in rows:
            lift = s.total - consensus[s.bid_id]
            others = [o.total - consensus[o.bid_id] for o in rows if o.bid_id != s.bid_id]
            if others:
                lift -= sum(others) / len(others)
            per_pair[(user, s.org_id)].append({
                "project": project, "score": r(s.total), "consensus": r(consensus[s.bid_id]), "lift": r(lift),
                "member_first": member_first == s.org_id if member_first is not None else None,
                "panel_first": panel_first == s.org_id if panel_first is not None else None})
    found = []
    for (user, org), items in per_pair.items():
        if len(items) < FAVOUR_MIN_TENDERS:
            continue
        lifts = [i["lift"] for i in items]
        mean_lift = sum(lifts) / len(lifts)
        positive = sum(1 for v in lifts if v > 0) / len(lifts)
        ranked = [i for i in items if i["member_first"] is not None]
        always_first = (len(ranked) >= FAVOUR_MIN_TENDERS and all(i["member_first"] for i in ranked)
                        and sum(1 for i in ranked if i["panel_first"]) <= FAVOUR_PANEL_FIRST_SHARE * len(ranked))
        lifted = mean_lift >= FAVOUR_MIN_LIFT and positive >= FAVOUR_CONSISTENCY
        if not (lifted or always_first):
            continue
        items.sort(key=lambda i: i["project"])
        found.append(Finding(
            "favouritism", f"favour:u{user}:o{org}", "high" if mean_lift >= FAVOUR_HIGH_LIFT else "medium",
            r(mean_lift), {"tenders": len(items), "lift": r(mean_lift), "positive": r(positive * 100, 0),
                           "first": sum(1 for i in ranked if i["member_first"]),
                           "panel_first": sum(1 for i in ranked if i["panel_first"])},
            items, {i["project"] for i in items}, {user}, {org}, {"kind": "member_vs_panel"}))
    return found


# --- copied bids -------------------------------------------------------------------------------------

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    """jieba's words of the text (punctuation and spaces dropped), as overlapping runs of `size` words."""
    import jieba

    words = [w for w in (_NOISE.sub("", w) for w in jieba.lcut(text or "")) if w]
    return {"\u241f".join(words[i:i + size]) for i in range(max(len(words) - size + 1, 0))}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def shingle_hashes(text: str) -> np.ndarray:
    """The letter's shingles as the sorted 32-bit hashes MinHash hashes them by (datasketch's
    sha1_hash32 of each shingle): what the scan keeps per letter, so a letter is cut into words once."""
    from datasketch.hashfunc import sha1_hash32

    return np.unique(np.fromiter((sha1_hash32(x.encode()) for x in shingles(text)), dtype=np.uint32))


def hashed_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The Jaccard similarity of two letters' shingles from their sorted hashes (a collision of two
    32-bit hashes among a few hundred shingles is about one in ten thousand letters: negligible)."""
    both = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - both
    return both / union if union else 0.0


def letter_digest(text: str) -> str:
    """The key of a letter's shingles: its text with the way it is cut (shingle size, jieba's version),
    so a changed letter, or a changed cutting, is cut again and an unchanged one never is."""
    import jieba

    return hashlib.sha256(f"{SHINGLE}\x00{jieba.__version__}\x00{text or ''}".encode()).hexdigest()


class ShingleCache:
    """Letters' shingle hashes by their digest (`letter_digest`). `known` is what earlier scans kept;
    `get` cuts a letter only when its digest is not known — each distinct letter once per scan, and an
    unchanged letter never again. The scan keeps `added` and drops `stale` (known, no longer used)."""

    def __init__(self, known: dict[str, np.ndarray] | None = None) -> None:
        self.known: dict[str, np.ndarray] = dict(known or {})
        self.before = set(self.known)
        self.added: dict[str, np.ndarray] = {}
        self.used: set[str] = set()

    def get(self, text: str) -> np.ndarray:
        digest = letter_digest(text)
        self.used.add(digest)
        found = self.known.get(digest)
        if found is None:
            found = self.known[digest] = self.added[digest] = shingle_hashes(text)
        return found

    @property
    def stale(self) -> set[str]:
        return self.before - self.used

    @staticmethod
    def pack(hashes: np.ndarray) -> bytes:
        return hashes.astype("<u4").tobytes()

    @staticmethod
    def unpack(blob: bytes) -> np.ndarray:
        return np.frombuffer(blob, dtype="<u4").astype(np.uint32)


def _competitors(a: BidRow, b: BidRow) -> bool:
    """Different organizations, neither a partner in the other's joint bid."""
    return a.org_id != b.org_id and b.org_id not in a.partner_ids and a.org_id not in b.partner_ids


def _same(value: int) -> int:
    return value


def similar_bids(bids: Sequence[BidRow], cache: ShingleCache | None = None) -> list[Finding]:
    """`cache` holds the letters already cut into shingles (by earlier scans); it gains the new ones."""
    from datasketch import MinHash, MinHashLSH

    cache = ShingleCache() if cache is None else cache
    sets = {b.bid_id: cache.get(b.text) for b in bids}
    by_id = {b.bid_id: b for b in bids}
    lsh = MinHashLSH(threshold=SIMILAR_JACCARD, num_perm=MINHASH_PERMUTATIONS)
    hashes = {}
    # the permutations drawn once for all letters (drawing them per MinHash cost more than hashing)
    template = MinHash(num_perm=MINHASH_PERMUTATIONS, seed=13)
    for bid_id, items in sets.items():
        if len(items) < SIMILAR_MIN_SHINGLES:
            continue
        m = MinHash(num_perm=MINHASH_PERMUTATIONS, seed=13, permutations=template.permutations,
                    scheme=template.scheme, hashfunc=_same)  # (the items are sha1_hash32 already)
        m.update_batch(items.tolist())
        hashes[bid_id] = m
        lsh.insert(bid_id, m)
    pairs: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    for bid_id, m in hashes.items():
        for other in lsh.query(m):
            a, b = sorted((bid_id, other))
            if a == b or (a, b) in seen:
                continue
            seen.add((a, b))
            x, y = by_id[a], by_id[b]
            if not _competitors(x, y):
                continue
            score = hashed_jaccard(sets[a], sets[b])
            if score >= SIMILAR_JACCARD:
                first, second = (x, y) if x.org_id < y.org_id else (y, x)
                pairs[(first.org_id, second.org_id)].append({
                    "what": "text", "project": first.project_id, "other_project": second.project_id,
                    "jaccard": r(score * 100, 0), "same_tender": x.project_id == y.project_id})
    by_tender: dict[int, list[BidRow]] = defaultdict(list)
    for b in bids:
        by_tender[b.project_id].append(b)
    for project, group in by_tender.items():
        for x, y in combinations(group, 2):
            if len(x.budget) >= BUDGET_MIN_LINES and sorted(x.budget) == sorted(y.budget) and _competitors(x, y):
                first, second = (x, y) if x.org_id < y.org_id else (y, x)
                pairs[(first.org_id, second.org_id)].append({
                    "what": "budget", "project": project, "other_project": project, "jaccard": 100,
                    "same_tender": True})
    found = []
    for (a, b), items in pairs.items():
        same = any(i["same_tender"] for i in items)
        best = max(i["jaccard"] for i in items)
        items.sort(key=lambda i: (i["project"], i["other_project"], i["what"]))
        found.append(Finding(
            "similar_bids", f"similar:o{a}:o{b}", "high" if same else "medium", best,
            {"pairs": len(items), "jaccard": best, "same_tender": same}, items,
            {i["project"] for i in items} | {i["other_project"] for i in items}, set(), {a, b}))
    return found


def same_attachments(bids: Sequence[BidRow]) -> list[Finding]:
    holders: dict[str, list[BidRow]] = defaultdict(list)
    for b in bids:
        for digest in set(b.attachments):
            holders[digest].append(b)
    pairs: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for digest, group in holders.items():
        if len({b.org_id for b in group}) < 2 or len({b.org_id for b in group}) >= ATTACHMENT_COMMON_ORGS:
            continue
        for x, y in combinations(group, 2):
            if _competitors(x, y):
                first, second = (x, y) if x.org_id < y.org_id else (y, x)
                pairs[(first.org_id, second.org_id)].append({
                    "digest": digest[:16], "project": first.project_id, "other_project": second.project_id,
                    "same_tender": x.project_id == y.project_id})
    found = []
    for (a, b), items in pairs.items():
        same = any(i["same_tender"] for i in items)
        items.sort(key=lambda i: (i["project"], i["other_project"], i["digest"]))
        found.append(Finding(
            "same_attachment", f"attachment:o{a}:o{b}", "high" if same else "medium", len(items),
            {"files": len({i["digest"] for i in items}), "same_tender": same}, items,
            {i["project"] for i in items} | {i["other_project"] for i in items}, set(), {a, b}))
    return found


# --- shared identities ---------------------------------------------------------------------------------

def _normal(field_name: str, value: str | None) -> str:
    value = (value or "").strip()
    if field_name == "phone":
        return re.sub(r"\D", "", value)[-11:] if len(re.sub(r"\D", "", value)) >= 7 else ""
    if field_name == "email":
        return value.lower()
    return _NOISE.sub("", value)


IDENTITY_FIELDS = ("legal_representative", "phone", "email", "address")


def shared_identities(orgs: Sequence[OrgRow], bids: Sequence[BidRow]) -> list[Finding]:
    """Organizations that bid against each other (separate bids in one tender, neither a partner of
    the other's bid) while sharing a legal representative, a phone, an e-mail or an address."""
    competed: dict[tuple[int, int], set[int]] = defaultdict(set)
    by_tender: dict[int, list[BidRow]] = defaultdict(list)
    for b in bids:
        by_tender[b.project_id].append(b)
    for project, group in by_tender.items():
        for x, y in combinations(group, 2):
            if _competitors(x, y):
                competed[tuple(sorted((x.org_id, y.org_id)))].add(project)
    holders: dict[tuple[str, str], set[int]] = defaultdict(set)
    for o in orgs:
        for name in IDENTITY_FIELDS:
            value = _normal(name, getattr(o, name))
            if value:
                holders[(name, value)].add(o.id)
    shared: dict[tuple[int, int], list[str]] = defaultdict(list)
    for (name, _value), ids in holders.items():
        for a, b in combinations(sorted(ids), 2):
            if (a, b) in competed:
                shared[(a, b)].append(name)
    found = []
    for (a, b), names in shared.items():
        tenders = sorted(competed[(a, b)])
        found.append(Finding(
            "shared_identity", f"identity:o{a}:o{b}", "high", len(names),
            {"fields": sorted(names), "tenders": len(tenders)},
            [{"project": p} for p in tenders], set(tenders), set(), {a, b}))
    return found


# --- prices ------------------------------------------------------------------------------------------------

def price_outliers(awards: Sequence[AwardRow]) -> list[Finding]:
    by_category: dict[int, list[AwardRow]] = defaultdict(list)
    for a in awards:
        if a.price > 0:
            by_category[a.category_id].append(a)
    found = []
    for category, group in by_category.items():
        if len(group) < PRICE_MIN_AWARDS:
            continue
        logs = [math.log(a.price) for a in group]
        centre, _scale = robust_scale(logs)
        mad = statistics.median([abs(v - centre) for v in logs])
        scale = max(1.4826 * mad, 0.05)  # (on the log scale: at least 5 %)
        median_price = math.exp(centre)
        for a, value in zip(group, logs):
            z = (value - centre) / scale
            if abs(z) < PRICE_Z:
                continue
            found.append(Finding(
                "price_outlier", f"price:p{a.project_id}", "high" if abs(z) >= PRICE_HIGH_Z else "medium", r(abs(z)),
                {"price": r(a.price), "median": r(median_price), "ratio": r(a.price / median_price),
                 "z": r(z), "awards": len(group)},
                [{"project": b.project_id, "price": r(b.price), "flagged": b.project_id == a.project_id}
                 for b in sorted(group, key=lambda b: b.price)],
                {a.project_id}, set(), {a.org_id}, {"kind": "prices", "median": r(median_price)}))
    return found


def under_cap(bids: Sequence[BidRow]) -> list[Finding]:
    by_tender: dict[int, list[BidRow]] = defaultdict(list)
    for b in bids:
        by_tender[b.project_id].append(b)
    found = []
    for project, group in by_tender.items():
        if len(group) < UNDER_CAP_MIN_BIDS or not group[0].cap:
            continue
        cap = group[0].cap
        ratios = [b.total / cap for b in group]
        if min(ratios) < 1 - UNDER_CAP_BAND:
            continue
        found.append(Finding(
            "under_cap", f"undercap:p{project}", "medium", r(min(ratios) * 100),
            {"bids": len(group), "cap": r(cap), "lowest": r(min(b.total for b in group)),
             "band": r(UNDER_CAP_BAND * 100, 0)},
            [{"project": project, "org": b.org_id, "price": r(b.total), "ratio": r(b.total / cap * 100)}
             for b in sorted(group, key=lambda b: b.total)],
            {project}, set(), {b.org_id for b in group}))
    return found


# --- concentration -------------------------------------------------------------------------------------

def concentration(awards: Sequence[AwardRow], bidders: dict[int, int]) -> list[Finding]:
    """`bidders`: the number of bids each awarded tender drew."""
    cells: dict[tuple[int, int], list[AwardRow]] = defaultdict(list)
    for a in awards:
        cells[(a.street_id, a.category_id)].append(a)
    found = []
    for (street, category), group in cells.items():
        if len(group) < CONCENTRATION_MIN_AWARDS:
            continue
        amounts: Counter[int] = Counter()
        wins: Counter[int] = Counter()
        for a in group:
            amounts[a.org_id] += a.price
            wins[a.org_id] += 1
        index = hhi(amounts.values())
        mean_bidders = sum(bidders.get(a.project_id, 1) for a in group) / len(group)
        if index < HHI_THRESHOLD or mean_bidders > CONCENTRATION_MAX_BIDDERS:
            continue
        total = sum(amounts.values())
        top = amounts.most_common(1)[0][0]
        found.append(Finding(
            "concentration", f"concentration:s{street}:c{category}", "low" if mean_bidders > 2 else "medium",
            r(index * 10000, 0),
            {"hhi": r(index * 10000, 0), "awards": len(group), "share": r(amounts[top] / total * 100, 0),
             "bidders": r(mean_bidders, 1), "street": street, "category": category},
            [{"org": org, "wins": wins[org], "amount": r(amount), "share": r(amount / total * 100, 1)}
             for org, amount in amounts.most_common()],
            {a.project_id for a in group}, set(), {top}, {"kind": "shares"}))
    return found


# --- rotation and cover bidding -------------------------------------------------------------------------

def rotation(scores: Sequence[ScoreRow], bids: Sequence[BidRow], awards: Sequence[AwardRow],
             trim_at: int = TRIM_AT) -> list[Finding]:
    consensus = _consensus(scores, trim_at)
    winners = {a.project_id: a.org_id for a in awards}
    by_tender: dict[int, list[BidRow]] = defaultdict(list)
    for b in bids:
        if b.project_id in winners:
            by_tender[b.project_id].append(b)
    rings: dict[frozenset[int], list[int]] = defaultdict(list)
    for project, group in by_tender.items():
        ring = frozenset(b.org_id for b in group)
        if 2 <= len(ring) <= ROTATION_MAX_RING and len(ring) == len(group) and winners[project] in ring \
                and all(_competitors(x, y) for x, y in combinations(group, 2)):
            rings[ring].append(project)
    found = []
    for ring, projects in rings.items():
        if len(projects) < ROTATION_MIN_TENDERS:
            continue
        rows, covered = [], 0
        for project in sorted(projects):
            group = by_tender[project]
            won = next(b for b in group if b.org_id == winners[project])
            losers = [b for b in group if b is not won]
            scored = won.bid_id in consensus and all(b.bid_id in consensus for b in losers)
            if scored:
                best = max(losers, key=lambda b: consensus[b.bid_id])
                gap = consensus[won.bid_id] - consensus[best.bid_id]
                cover = gap >= COVER_SCORE_GAP
            else:
                best = min(losers, key=lambda b: b.total)
                gap = (best.total / won.total - 1) * 100 if won.total else 0.0
                cover = won.total > 0 and best.total >= won.total * (1 + COVER_PRICE_GAP)
            covered += cover
            rows.append({"project": project, "winner": won.org_id,
                         "winner_score": r(consensus[won.bid_id]) if scored else None,
                         "loser_score": r(consensus[best.bid_id]) if scored else None,
                         "gap": r(gap, 1), "winner_price": r(won.total), "loser_price": r(best.total),
                         "cover": cover})
        if covered < COVER_SHARE * len(projects):
            continue
        turns = Counter(row["winner"] for row in rows)
        rotating = len(turns) >= ROTATION_MIN_WINNERS
        gaps = [row["gap"] for row in rows]
        orgs = sorted(ring)
        found.append(Finding(
            "rotation", "rotation:" + ":".join(f"o{o}" for o in orgs), "high" if rotating else "medium",
            r(len(projects) * len(turns)),
            {"tenders": len(projects), "ring": len(ring), "winners": len(turns), "rotating": rotating,
             "gap": r(min(gaps), 1), "median_gap": r(statistics.median(gaps), 1),
             "by_score": all(row["winner_score"] is not None for row in rows)},
            rows, set(projects), set(), set(ring), {"kind": "cover"}))
    return found


# --- hurried scoring ----------------------------------------------------------------------------------

def hurried_scoring(scores: Sequence[ScoreRow]) -> list[Finding]:
    per: dict[tuple[int, int], list[ScoreRow]] = defaultdict(list)
    for s in scores:
        per[(s.user_id, s.project_id)].append(s)
    found = []
    for (user, project), rows in per.items():
        if len(rows) < HURRY_MIN_SCORES:
            continue
        rows.sort(key=lambda s: s.at)
        gaps = [(b.at - a.at).total_seconds() for a, b in zip(rows, rows[1:])]
        gap = statistics.median(gaps)
        reasons = [re.sub(r"\s+", "", t) for s in rows for t in s.reasons]
        if not reasons:
            continue
        common, count = Counter(reasons).most_common(1)[0]
        share = count / len(reasons)
        if gap > HURRY_GAP_SECONDS or share < HURRY_BOILERPLATE_SHARE:
            continue
        found.append(Finding(
            "hurried_scoring", f"hurried:u{user}:p{project}", "medium", r(gap, 1),
            {"scores": len(rows), "gap": r(gap, 1), "share": r(share * 100, 0), "reason": common[:60]},
            [{"project": project, "org": s.org_id, "score": r(s.total), "at": s.at.isoformat(timespec="seconds")}
             for s in rows],
            {project}, {user}, {s.org_id for s in rows}))
    return found


def all_signals(scores: Sequence[ScoreRow], bids: Sequence[BidRow], orgs: Sequence[OrgRow],
                awards: Sequence[AwardRow], bidders: dict[int, int], trim_at: int = TRIM_AT,
                cache: ShingleCache | None = None) -> list[Finding]:
    return [*outlier_raters(scores, trim_at), *favouritism(scores, trim_at), *similar_bids(bids, cache),
            *same_attachments(bids), *shared_identities(orgs, bids), *price_outliers(awards), *under_cap(bids),
            *concentration(awards, bidders), *hurried_scoring(scores), *rotation(scores, bids, awards, trim_at)]
