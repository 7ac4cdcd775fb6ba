"""廉洁监督 benchmark: a generated district with honest activity, honest look-alikes and planted cases of
every signal; prints each signal's precision and recall over the planted cases, the time the signals
took, and last `integrity: precision P recall R`.

The district is generated as the rows `marketplace.domain.integrity.scan.load` hands to the signals
(scores, bids with their letters, budgets and attachments, organizations, awards) — the signals are
what is measured; loading those rows from the database is a handful of set-based queries.

Honest activity: tenders in 11 streets × 10 categories, 3–5 bids each from a large pool of organizations
(so the same set rarely meets twice), letters composed from a pool of sentences, prices 80–97 % of the cap,
a five-member panel scoring every bid with a few points of noise, minutes apart, with varied reasons.
Honest look-alikes (must not be flagged): joint partners sharing an address, a strong organization winning
often against real competition, a niche of three organizations meeting in close contests, a common form
attached by many, a lenient member (every bid higher), a quick member with real reasons, a tender where
only some bids sit under the cap.

Planted (`--planted` of each): an outlier rater, a favouring member, copied letters, a shared attachment,
competitors sharing a phone, a winning price four times its category's, bids all just under the cap,
concentration in thin tenders, hurried scoring, a bidding ring taking turns with hopeless covers.

The near-duplicate signal is timed twice: the first scan, which cuts every distinct letter into jieba
words, and a re-scan with the letters' shingles kept as the scan keeps them (packed, by the letter's
digest), which cuts none (the database round trip of that table is not in this figure).

A finding is correct when it is a planted case of its signal, or another signal raised on the planted
case's very subjects (counted, and listed, as `collateral`); any other finding is a false positive.

    .venv/bin/python bench/integrity.py                   # 2,000 tenders, precision and recall
    .venv/bin/python bench/integrity.py --tenders 20000   # city scale: ~100,000 bids, timing
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path[:] = [str(Path(__file__).resolve().parent.parent)] + [
    p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from marketplace.domain.integrity import signals as S  # noqa: E402
from marketplace.domain.integrity.signals import AwardRow, BidRow, OrgRow, ScoreRow  # noqa: E402

T0 = datetime(2026, 1, 5, 1, 0, tzinfo=timezone.utc)
STREETS, CATEGORIES = 11, 10
REASONS = ["方案目标清楚，措施具体", "团队配置合理，有持证社工", "过往项目评价良好", "预算明细与产出匹配",
           "路演回答问题充分", "服务对象覆盖面较广", "进度安排可行", "风险预案考虑周全", "与社区资源衔接较好",
           "指标可量化，便于考核", "经费测算偏高", "志愿者队伍稳定", "台账制度健全", "宣传动员方式多样"]
SUBJECTS = ["独居老人", "留守儿童", "残疾人家庭", "新就业群体", "社区居民", "困境青少年", "失能老人", "低保家庭",
            "外来务工人员", "社区志愿者"]
ACTIONS = ["上门探访", "助餐送餐", "心理疏导", "法律咨询", "课业辅导", "康复训练", "文体活动", "邻里互助",
           "技能培训", "健康讲座", "政策宣讲", "应急演练"]
MANNERS = ["每周两次", "每月一次", "每季度一轮", "寒暑假集中", "节假日加密", "按需预约"]
TAILS = ["建立服务台账并按月报送", "服务后回访并填写满意度表", "联合社区网格员共同开展", "引入高校专业督导",
         "形成可复制的服务手册", "设置服务热线及时响应", "配备专职项目主管", "定期召开个案研讨会"]


def sentence(rng: random.Random) -> str:
    return (f"面向{rng.choice(SUBJECTS)}开展{rng.choice(ACTIONS)}，{rng.choice(MANNERS)}，"
            f"覆盖{rng.randint(20, 400)}人次，{rng.choice(TAILS)}。")


def letter(rng: random.Random) -> str:
    return "".join(sentence(rng) for _ in range(rng.randint(5, 8)))


def copy_of(text: str, rng: random.Random) -> str:
    """A near-copy: a few words changed, as a cover bidder edits the letter it was handed."""
    return text.replace("每月一次", "每个月一次").replace("并按月报送", "并按月上报").replace("开展", "组织开展", 1)


class District:
    def __init__(self, tenders: int, planted: int, seed: int) -> None:
        self.rng = rng = random.Random(seed)
        self.scores: list[ScoreRow] = []
        self.bids: list[BidRow] = []
        self.awards: list[AwardRow] = []
        self.bidders: dict[int, int] = {}
        self.planted: dict[str, set[str]] = defaultdict(set)
        self.subjects: list[set[str]] = []  # each planted case's subjects ("o12", "u7", "p40")
        n_orgs = max(300, tenders // 2)
        self.n_orgs = n_orgs
        self.orgs: dict[int, OrgRow] = {
            o: OrgRow(o, f"法人{o}", f"139{o:08d}", f"org{o}@example.cn", f"李沧区第{o}号") for o in range(1, n_orgs + 1)}
        self.experts = list(range(1, max(60, tenders // 20) + 1))
        self.leniency = {u: rng.gauss(0, 2) for u in self.experts}
        self.centre = {c: rng.uniform(60_000, 250_000) for c in range(CATEGORIES)}
        self.next_project = self.next_bid = 1
        self.next_org = n_orgs + 1
        self.next_user = len(self.experts) + 1
        for _ in range(tenders):
            self.tender()
        self.look_alikes()
        for _ in range(planted):
            self.plant_all()

    # --- building blocks -------------------------------------------------------------------------------

    def new_org(self, **overrides) -> int:
        o = self.next_org
        self.next_org += 1
        fields = {"legal_representative": f"法人{o}", "phone": f"139{o:08d}", "email": f"org{o}@example.cn",
                  "address": f"李沧区第{o}号"} | overrides
        self.orgs[o] = OrgRow(o, **fields)
        return o

    def new_user(self) -> int:
        u = self.next_user
        self.next_user += 1
        self.leniency[u] = 0.0
        return u

    def tender(self, orgs: list[int] | None = None, *, street: int | None = None, category: int | None = None,
               quality: dict[int, float] | None = None, panel: list[int] | None = None, prices: dict[int, float] | None = None,
               cap: float | None = None, letters: dict[int, str] | None = None, attachments: dict[int, tuple] | None = None,
               partners: dict[int, frozenset[int]] | None = None, winner: int | None = None,
               member_score=None, member_times=None, member_reasons=None) -> int:
        rng = self.rng
        p = self.next_project
        self.next_project += 1
        street = rng.randrange(STREETS) if street is None else street
        category = rng.randrange(CATEGORIES) if category is None else category
        cap = cap or round(self.centre[category] * rng.uniform(0.6, 1.6), -2)
        orgs = orgs or rng.sample(range(1, self.n_orgs + 1), rng.randint(3, 5))
        quality = quality or {o: rng.uniform(55, 90) for o in orgs}
        panel = panel or rng.sample(self.experts, 5)
        bid_of, consensus = {}, {}
        for o in orgs:
            b = self.next_bid
            self.next_bid += 1
            bid_of[o] = b
            total = (prices or {}).get(o) or round(cap * rng.uniform(0.80, 0.97), 2)
            self.bids.append(BidRow(b, p, o, (letters or {}).get(o) or letter(rng), (), total, cap,
                                    (attachments or {}).get(o, ()), (partners or {}).get(o, frozenset())))
        start = T0 + timedelta(days=p % 700, hours=rng.randint(0, 8))
        for u_index, u in enumerate(panel):
            at = start + timedelta(hours=u_index)
            for i, o in enumerate(orgs):
                score = quality[o] + rng.gauss(0, 2.5) + self.leniency.get(u, 0)
                if member_score:
                    score = member_score(u, o, score)
                score = max(0.0, min(100.0, round(score, 1)))
                gap = member_times(u) if member_times else rng.uniform(90, 600)
                at += timedelta(seconds=gap)
                reasons = member_reasons(u) if member_reasons else tuple(rng.sample(REASONS, 5))
                self.scores.append(ScoreRow(p, bid_of[o], o, u, score, at, reasons))
        if winner is None:
            mine = defaultdict(list)
            for s in self.scores[-len(panel) * len(orgs):]:
                mine[s.org_id].append(s.total)
            consensus = {o: S.trimmed_mean(v) for o, v in mine.items()}
            winner = max(orgs, key=lambda o: consensus[o])
        price = next(b.total for b in self.bids[-len(orgs):] if b.org_id == winner)
        self.awards.append(AwardRow(p, winner, price, category, street))
        self.bidders[p] = len(orgs)
        return p

    def plant(self, signal: str, key: str, *subjects: str) -> None:
        self.planted[signal].add(key)
        self.subjects.append(set(subjects))

    # --- honest look-alikes (never to be flagged) --------------------------------------------------------

    def look_alikes(self) -> None:
        rng = self.rng
        for _ in range(5):  # joint partners sharing an address, competing against others
            lead = self.new_org(address="李沧区书院路88号")
            partner = self.new_org(address="李沧区书院路88号")
            rivals = rng.sample(range(1, self.n_orgs + 1), 2)
            self.tender([lead, *rivals], partners={lead: frozenset({partner})})
        strong = self.new_org()  # a strong organization winning often against real competition
        for _ in range(6):
            self.tender([strong, *rng.sample(range(1, self.n_orgs + 1), 3)], street=0, category=0,
                        quality=None)
        niche = [self.new_org() for _ in range(3)]  # three organizations meeting in close contests
        for t in range(4):
            self.tender(niche, quality={o: 80 + (6 if i == t % 3 else rng.uniform(0, 4)) for i, o in enumerate(niche)})
        form = ("f" * 64,)  # the district's common form, attached by many
        for _ in range(3):
            orgs = rng.sample(range(1, self.n_orgs + 1), 3)
            self.tender(orgs, attachments={o: form for o in orgs})
        lenient = self.new_user()  # lenient: every bid higher, the same order as the panel
        quick = self.new_user()  # quick, but with real reasons
        for _ in range(4):
            self.tender(panel=[lenient, quick, *rng.sample(self.experts, 3)],
                        member_score=lambda u, o, s: s + 4 if u == lenient else s,
                        member_times=lambda u: 8 if u == quick else rng.uniform(90, 600))
        cap = 100_000.0  # only some bids under the cap
        orgs = rng.sample(range(1, self.n_orgs + 1), 3)
        self.tender(orgs, cap=cap, prices=dict(zip(orgs, [99_200.0, 99_500.0, 88_000.0])))

    # --- planted cases -------------------------------------------------------------------------------------

    def plant_all(self) -> None:
        rng = self.rng
        pool = lambda k: rng.sample(range(1, self.n_orgs + 1), k)  # noqa: E731

        u = self.new_user()  # outlier rater: far from the panel, tender after tender
        projects = [self.tender(panel=[u, *rng.sample(self.experts, 4)],
                                member_score=lambda m, o, s: rng.uniform(20, 100) if m == u else s) for _ in range(5)]
        self.plant("outlier_rater", f"outlier:u{u}", f"u{u}", *(f"p{p}" for p in projects))

        u, fav = self.new_user(), self.new_org()  # favouritism: one member lifting one organization
        for _ in range(4):
            self.tender([fav, *pool(2)], panel=[u, *rng.sample(self.experts, 4)],
                        member_score=lambda m, o, s: s + 18 if (m == u and o == fav) else s)
        self.plant("favouritism", f"favour:u{u}:o{fav}", f"u{u}", f"o{fav}")

        a, b = self.new_org(), self.new_org()  # copied letters in one tender
        text = letter(rng)
        self.tender([a, b, *pool(1)], letters={a: text, b: copy_of(text, rng)})
        self.plant("similar_bids", f"similar:o{a}:o{b}", f"o{a}", f"o{b}")

        a, b = self.new_org(), self.new_org()  # the same attachment
        digest = ("%064x" % rng.getrandbits(256),)
        self.tender([a, b, *pool(2)], attachments={a: digest, b: digest})
        self.plant("same_attachment", f"attachment:o{a}:o{b}", f"o{a}", f"o{b}")

        a = self.new_org()  # competitors sharing a phone
        b = self.new_org(phone=self.orgs[a].phone)
        self.tender([a, b, *pool(1)])
        self.plant("shared_identity", f"identity:o{a}:o{b}", f"o{a}", f"o{b}")

        category = rng.randrange(CATEGORIES)  # a winning price four times its category's
        cap = round(self.centre[category] * 4.4, -2)
        orgs = pool(3)
        p = self.tender(orgs, category=category, cap=cap, prices={o: round(cap * rng.uniform(0.9, 0.97), 2) for o in orgs})
        self.plant("price_outlier", f"price:p{p}", f"p{p}")

        category = rng.randrange(CATEGORIES)  # every bid just under the cap
        cap = round(self.centre[category] * rng.uniform(0.8, 1.2), -2)
        orgs = pool(3)
        p = self.tender(orgs, category=category, cap=cap, prices={o: round(cap * rng.uniform(0.985, 0.999), 2) for o in orgs})
        self.plant("under_cap", f"undercap:p{p}", f"p{p}")

        street = 100 + len(self.planted["concentration"])  # one winner in thin tenders
        top = self.new_org()
        for t in range(5):
            orgs = [top] if t % 2 else [top, *pool(1)]
            self.tender(orgs, street=street, category=0, winner=top if t < 4 else orgs[-1])
        self.plant("concentration", f"concentration:s{street}:c0", f"o{top}")

        u = self.new_user()  # hurried scoring: seconds apart, one boilerplate reason
        p = self.tender(pool(4), panel=[u, *rng.sample(self.experts, 4)],
                        member_times=lambda m: rng.uniform(4, 12) if m == u else rng.uniform(90, 600),
                        member_reasons=lambda m: ("同意",) * 5 if m == u else tuple(rng.sample(REASONS, 5)))
        self.plant("hurried_scoring", f"hurried:u{u}:p{p}", f"u{u}", f"p{p}")

        ring = sorted(self.new_org() for _ in range(3))  # a ring taking turns, the others covering
        for t in range(4):
            turn = ring[t % 3]
            self.tender(ring, quality={o: (88 if o == turn else rng.uniform(50, 65)) for o in ring})
        self.plant("rotation", "rotation:" + ":".join(f"o{o}" for o in ring), *(f"o{o}" for o in ring))


def subjects_of(finding: S.Finding) -> set[str]:
    return {f"o{o}" for o in finding.org_ids} | {f"u{u}" for u in finding.user_ids}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenders", type=int, default=2000)
    parser.add_argument("--planted", type=int, default=5, help="planted cases of each signal")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    started = time.perf_counter()
    d = District(args.tenders, args.planted, args.seed)
    built = time.perf_counter() - started
    print(f"district: {len(d.awards):,} tenders, {len(d.bids):,} bids, {len(d.scores):,} scores, "
          f"{len(d.orgs):,} organizations (generated in {built:.1f} s)")
    import jieba

    jieba.initialize()  # (its dictionary loads once, not inside the first timing)
    timings, findings = {}, []
    cache = S.ShingleCache()  # the first scan: every letter cut into words (each distinct letter once)
    runs = [("outlier_rater", lambda: S.outlier_raters(d.scores)), ("favouritism", lambda: S.favouritism(d.scores)),
            ("similar_bids", lambda: S.similar_bids(d.bids, cache)), ("same_attachment", lambda: S.same_attachments(d.bids)),
            ("shared_identity", lambda: S.shared_identities(list(d.orgs.values()), d.bids)),
            ("price_outlier", lambda: S.price_outliers(d.awards)), ("under_cap", lambda: S.under_cap(d.bids)),
            ("concentration", lambda: S.concentration(d.awards, d.bidders)),
            ("hurried_scoring", lambda: S.hurried_scoring(d.scores)),
            ("rotation", lambda: S.rotation(d.scores, d.bids, d.awards))]
    cpu = {}
    for name, run in runs:
        t, c = time.perf_counter(), time.process_time()
        findings += run()
        timings[name], cpu[name] = time.perf_counter() - t, time.process_time() - c
    total_time = sum(timings.values())

    # the re-scan: the letters' shingles as the scan keeps them (packed by digest, unpacked when loaded);
    # an unchanged letter is not cut again
    kept = {digest: S.ShingleCache.pack(h) for digest, h in cache.known.items()}
    t, c = time.perf_counter(), time.process_time()
    warm = S.ShingleCache({digest: S.ShingleCache.unpack(blob) for digest, blob in kept.items()})
    again = S.similar_bids(d.bids, warm)
    rescan, rescan_cpu = time.perf_counter() - t, time.process_time() - c
    assert sorted(f.key for f in again) == sorted(f.key for f in findings if f.signal == "similar_bids")

    tp_all = fp_all = planted_all = found_all = 0
    for name, _run in runs:
        mine = [f for f in findings if f.signal == name]
        keys = {f.key for f in mine}
        planted = d.planted[name]
        hits = len(keys & planted)
        collateral = [f for f in mine if f.key not in planted and any(subjects_of(f) and subjects_of(f) <= s
                                                                      for s in d.subjects)]
        false = [f for f in mine if f.key not in planted and f not in collateral]
        precision = (hits + len(collateral)) / len(mine) if mine else 1.0
        recall = hits / len(planted) if planted else 1.0
        tp_all += hits + len(collateral)
        fp_all += len(false)
        planted_all += len(planted)
        found_all += hits
        print(f"{name:16} planted {len(planted):3}  found {len(mine):3}  collateral {len(collateral):2}  "
              f"false {len(false):2}  precision {precision:.2f}  recall {recall:.2f}  {timings[name]:7.2f} s "
              f"({cpu[name]:.2f} s CPU)")
        for f in false[:3]:
            print(f"    false positive: {f.key} {f.facts}")
    print(f"scan time (the signals, excluding loading): {total_time:.1f} s wall, {sum(cpu.values()):.1f} s CPU "
          f"({len(cache.added):,} distinct letters cut into words)")
    print(f"re-scan of similar_bids with the letters' shingles kept ({len(kept):,}, "
          f"{sum(len(b) for b in kept.values()) / 1e6:.1f} MB): {rescan:.2f} s wall, {rescan_cpu:.2f} s CPU, "
          f"{len(warm.added)} letters cut; the whole re-scan {total_time - timings['similar_bids'] + rescan:.1f} s wall, "
          f"{sum(cpu.values()) - cpu['similar_bids'] + rescan_cpu:.1f} s CPU")
    precision = tp_all / (tp_all + fp_all) if tp_all + fp_all else 1.0
    recall = found_all / planted_all if planted_all else 1.0
    print(f"integrity: precision {precision:.2f} recall {recall:.2f}")


if __name__ == "__main__":
    main()
