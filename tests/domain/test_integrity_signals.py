"""Each integrity signal on small hand-made cases: the planted pattern is found, with its numbers, and
the honest look-alike next to it is not (pure functions: no database)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from marketplace.domain.integrity import signals as S
from marketplace.domain.integrity.signals import AwardRow, BidRow, OrgRow, ScoreRow

T0 = datetime(2026, 10, 1, 2, 0, tzinfo=timezone.utc)
VARIED = ("方案细致", "团队稳定", "经验丰富", "预算合理", "路演清楚")


def panel(project: int, bids: dict[int, int], marks: dict[int, dict[int, float]], minutes: int = 10,
          reasons=VARIED) -> list[ScoreRow]:
    """marks: user → {bid: total}; bids: bid → org. Each member's scores `minutes` apart."""
    rows = []
    for u, (user, given) in enumerate(marks.items()):
        for i, (bid, total) in enumerate(given.items()):
            rows.append(ScoreRow(project, bid, bids[bid], user, total,
                                 T0 + timedelta(days=project, hours=u, minutes=i * minutes), reasons))
    return rows


def honest_district(tenders=8, members=(1, 2, 3, 4, 5), noise=None) -> list[ScoreRow]:
    """Five members agreeing within a few points on two bids per tender."""
    noise = noise or {1: 1, 2: -2, 3: 0, 4: 2, 5: -1}
    rows = []
    for t in range(tenders):
        b1, b2 = 100 + 2 * t, 101 + 2 * t
        rows += panel(t, {b1: 10 + t % 3, b2: 20 + t % 4},
                      {m: {b1: 80 + noise[m] + t % 2, b2: 70 - noise[m]} for m in members})
    return rows


# --- outlier raters -------------------------------------------------------------------------------------

def _with_member_9(scores, tenders, offset):
    rows = list(scores)
    for t in tenders:
        b1, b2 = 100 + 2 * t, 101 + 2 * t
        rows += panel(t, {b1: 10 + t % 3, b2: 20 + t % 4}, {9: {b1: 80 - offset, b2: 70 + offset}})
    return rows


def test_a_member_far_from_the_panel_in_tender_after_tender_is_an_outlier():
    rows = _with_member_9(honest_district(), range(5), 25)
    [flag] = S.outlier_raters(rows)
    assert flag.user_ids == {9} and flag.facts["tenders"] == 5 and flag.facts["far"] == 5
    assert flag.facts["deviation"] >= 20 and flag.facts["z"] >= S.OUTLIER_Z
    assert flag.project_ids == set(range(5)) and flag.severity == "high"


def test_one_wild_tender_is_not_an_outlier_nor_are_honest_members():
    assert S.outlier_raters(honest_district()) == []
    # far out once, in line twice: the median is in line
    rows = _with_member_9(honest_district(), [0], 25) + _with_member_9([], [1, 2], 0)
    assert S.outlier_raters(rows) == []


def test_too_few_tenders_is_not_an_outlier():
    rows = _with_member_9(honest_district(), range(S.OUTLIER_MIN_TENDERS - 1), 25)
    assert S.outlier_raters(rows) == []


def test_the_trimmed_mean_drops_extremes_from_five_scores():
    assert S.trimmed_mean([10, 50, 50, 50, 90]) == 50
    assert S.trimmed_mean([10, 50, 90], trim_at=5) == 50
    assert S.trimmed_mean([0, 60, 60, 60], trim_at=5) == 45


# --- favouritism -------------------------------------------------------------------------------------------

def test_a_member_lifting_one_organization_across_tenders_is_favouritism():
    rows = []
    for t in range(4):
        bids = {10 * t + 1: 7, 10 * t + 2: 100 + t}  # org 7 competes with a different org each time
        rows += panel(t, bids, {1: {10 * t + 1: 70, 10 * t + 2: 80}, 2: {10 * t + 1: 71, 10 * t + 2: 79},
                                3: {10 * t + 1: 69, 10 * t + 2: 81}, 4: {10 * t + 1: 92, 10 * t + 2: 78}})
    found = {f.key: f for f in S.favouritism(rows)}
    flag = found["favour:u4:o7"]
    assert flag.facts["tenders"] == 4 and flag.facts["first"] == 4 and flag.facts["panel_first"] == 0
    assert flag.facts["lift"] >= S.FAVOUR_MIN_LIFT and flag.severity == "high"
    assert set(found) == {"favour:u4:o7"}  # nobody else, and not member 4 on the other organizations


def test_a_strong_organization_everyone_ranks_first_is_not_favouritism():
    rows = []
    for t in range(5):
        bids = {10 * t + 1: 7, 10 * t + 2: 100 + t}
        rows += panel(t, bids, {m: {10 * t + 1: 90 + m % 2, 10 * t + 2: 70 + m} for m in (1, 2, 3, 4, 5)})
    assert S.favouritism(rows) == []


def test_a_lenient_member_is_not_favouring_anyone():
    """Member 4 scores every bid 10 points above the panel: lenient, not partial."""
    rows = []
    for t in range(4):
        bids = {10 * t + 1: 7, 10 * t + 2: 100 + t}
        rows += panel(t, bids, {1: {10 * t + 1: 70, 10 * t + 2: 80}, 2: {10 * t + 1: 71, 10 * t + 2: 79},
                                3: {10 * t + 1: 69, 10 * t + 2: 81}, 4: {10 * t + 1: 82, 10 * t + 2: 90}})
    assert S.favouritism(rows) == []


# --- copied bids ------------------------------------------------------------------------------------------

PLAN = ("本项目面向社区独居老人提供每周三次上门助浴服务，由持证护理员两人一组入户，服务前评估老人身体状况，"
        "服务中全程记录水温和时长，服务后回访家属并填写满意度表。项目配备专用防滑垫、移动浴缸和急救包，"
        "每月召开一次个案讨论会，季度向社区居委会报告服务进展和资金使用情况。")
OTHER = ("我们将在社区活动中心开设四点半课堂，为双职工家庭的小学生提供作业辅导、阅读分享和手工课程，"
         "招募大学生志愿者担任助教，每学期举办两次家长开放日，并建立学生成长档案记录学习变化。")


def test_near_duplicate_letters_of_competitors_are_found_in_and_across_tenders():
    copied = PLAN.replace("两人一组", "二人一组").replace("季度", "每季度")
    bids = [BidRow(1, 1, 11, PLAN), BidRow(2, 1, 12, copied), BidRow(3, 1, 13, OTHER),
            BidRow(4, 2, 14, PLAN + "另外提供理发服务。")]
    found = {f.key: f for f in S.similar_bids(bids)}
    assert set(found) == {"similar:o11:o12", "similar:o11:o14", "similar:o12:o14"}
    assert found["similar:o11:o12"].severity == "high" and found["similar:o11:o12"].facts["jaccard"] >= 70
    assert found["similar:o11:o14"].severity == "medium"  # across tenders only


def test_letters_are_cut_once_and_a_warm_cache_cuts_none(monkeypatch):
    """Each distinct letter is cut into words once per scan; a re-scan with the kept shingles cuts none,
    finds the same, and a changed letter is cut again (its digest changed)."""
    import jieba

    cuts = []
    real = jieba.lcut
    monkeypatch.setattr(jieba, "lcut", lambda text, *a, **k: cuts.append(text) or real(text, *a, **k))
    copied = PLAN.replace("两人一组", "二人一组").replace("季度", "每季度")
    bids = [BidRow(1, 1, 11, PLAN), BidRow(2, 1, 12, copied), BidRow(3, 1, 13, OTHER), BidRow(4, 2, 14, PLAN)]
    cold = S.ShingleCache()
    first = {f.key: f.facts for f in S.similar_bids(bids, cold)}
    assert len(cuts) == 3 and set(cold.added) == cold.used and len(cold.added) == 3  # PLAN twice, cut once
    kept = {d: S.ShingleCache.unpack(S.ShingleCache.pack(h)) for d, h in cold.known.items()}
    cuts.clear()
    warm = S.ShingleCache(kept)
    assert {f.key: f.facts for f in S.similar_bids(bids, warm)} == first and cuts == [] and not warm.added
    changed = [*bids[:2], BidRow(3, 1, 13, OTHER + "另设周末托管。"), bids[3]]
    again = S.ShingleCache(kept)
    S.similar_bids(changed, again)
    assert len(cuts) == 1 and len(again.added) == 1 and again.stale == {S.letter_digest(OTHER)}


def test_hashed_shingles_measure_the_same_jaccard_as_the_words():
    copied = PLAN.replace("两人一组", "二人一组").replace("季度", "每季度")
    exact = S.jaccard(S.shingles(PLAN), S.shingles(copied))
    assert S.hashed_jaccard(S.shingle_hashes(PLAN), S.shingle_hashes(copied)) == pytest.approx(exact)
    assert len(S.shingle_hashes(PLAN)) == len(S.shingles(PLAN))


def test_joint_partners_and_different_letters_are_not_copies():
    bids = [BidRow(1, 1, 11, PLAN, partner_ids=frozenset({12})), BidRow(2, 2, 12, PLAN),
            BidRow(3, 1, 13, OTHER), BidRow(4, 1, 15, "简短方案")]
    assert S.similar_bids(bids) == []


def test_identical_budgets_in_one_tender_are_found():
    budget = (("护理员工资", "30000.00"), ("耗材", "8000.00"))
    bids = [BidRow(1, 1, 11, "甲", budget=budget), BidRow(2, 1, 12, "乙", budget=tuple(reversed(budget))),
            BidRow(3, 1, 13, "丙", budget=(("护理员工资", "30000.00"),)),  # one line: too little to tell
            BidRow(4, 2, 14, "丁", budget=budget)]  # another tender: budgets alike across tenders are common
    [flag] = S.similar_bids(bids)
    assert flag.key == "similar:o11:o12" and flag.rows[0]["what"] == "budget"


def test_identical_attachments_but_not_a_common_form():
    form = "f" * 64
    bids = [BidRow(1, 1, 11, attachments=("a" * 64, form)), BidRow(2, 1, 12, attachments=("a" * 64, form)),
            BidRow(3, 2, 13, attachments=(form,)), BidRow(4, 3, 14, attachments=(form,))]
    [flag] = S.same_attachments(bids)
    assert flag.key == "attachment:o11:o12" and flag.facts["files"] == 1 and flag.severity == "high"


# --- shared identities ---------------------------------------------------------------------------------------

def test_competitors_sharing_a_phone_are_found_but_partners_sharing_an_address_are_not():
    orgs = [OrgRow(1, "王强", "0532-8888 1234", "a@x.cn", "李村路1号"), OrgRow(2, "李明", "053288881234", "b@x.cn", "书院路2号"),
            OrgRow(3, "赵六", "13900000003", "c@x.cn", "九水路3号"), OrgRow(4, "孙七", "13900000004", "d@x.cn", "九水路 3 号")]
    bids = [BidRow(1, 1, 1), BidRow(2, 1, 2),  # 1 and 2 compete in tender 1
            BidRow(3, 2, 3, partner_ids=frozenset({4}))]  # 3 and 4 bid together
    [flag] = S.shared_identities(orgs, bids)
    assert flag.key == "identity:o1:o2" and flag.facts == {"fields": ["phone"], "tenders": 1}


def test_organizations_that_never_met_are_not_flagged():
    orgs = [OrgRow(1, "王强", "13900000001"), OrgRow(2, "王强", "13900000001")]
    assert S.shared_identities(orgs, [BidRow(1, 1, 1), BidRow(2, 2, 2)]) == []


# --- prices --------------------------------------------------------------------------------------------------

def test_a_winning_price_far_from_its_category_is_found():
    awards = [AwardRow(p, 10 + p, price, 1, 1) for p, price in
              enumerate([50000, 52000, 48000, 55000, 51000, 49000, 53000, 150000])]
    [flag] = S.price_outliers(awards)
    assert flag.key == "price:p7" and flag.facts["ratio"] > 2.5


def test_ordinary_spread_and_small_categories_are_not_price_outliers():
    awards = [AwardRow(p, 10 + p, price, 1, 1) for p, price in
              enumerate([40000, 52000, 61000, 45000, 58000, 49000, 66000])]
    assert S.price_outliers(awards) == []
    assert S.price_outliers([AwardRow(1, 1, 50000, 2, 1), AwardRow(2, 2, 500000, 2, 1)]) == []


def test_bids_all_just_under_the_cap_are_found_a_spread_is_not():
    clustered = [BidRow(i, 1, 10 + i, total=t, cap=100000) for i, t in enumerate([99000, 99500, 98800])]
    spread = [BidRow(10 + i, 2, 20 + i, total=t, cap=100000) for i, t in enumerate([99000, 99500, 86000])]
    [flag] = S.under_cap(clustered + spread)
    assert flag.key == "undercap:p1" and flag.facts["bids"] == 3


# --- concentration ----------------------------------------------------------------------------------------

def test_one_winner_in_thin_tenders_is_concentration_a_strong_winner_in_open_ones_is_not():
    thin = [AwardRow(p, 7 if p < 4 else 8, 50000, 1, 1) for p in range(5)]
    crowded = [AwardRow(10 + p, 9, 50000, 2, 1) for p in range(5)]
    bidders = {**{p: 1 for p in range(5)}, **{10 + p: 4 for p in range(5)}}
    [flag] = S.concentration(thin + crowded, bidders)
    assert flag.key == "concentration:s1:c1" and flag.org_ids == {7}
    assert flag.facts["hhi"] == pytest.approx(6800) and flag.facts["share"] == 80


def test_the_hhi():
    assert S.hhi([1, 1, 1, 1]) == pytest.approx(0.25)
    assert S.hhi([3, 1]) == pytest.approx(0.625)


# --- hurried scoring ---------------------------------------------------------------------------------------

def test_scores_seconds_apart_with_one_boilerplate_reason_are_hurried():
    bids = {i: 10 + i for i in range(1, 5)}
    hurried = [ScoreRow(1, b, o, 5, 70, T0 + timedelta(seconds=8 * i), ("同意",) * 5)
               for i, (b, o) in enumerate(bids.items())]
    quick_but_reasoned = [ScoreRow(1, b, o, 6, 70, T0 + timedelta(seconds=8 * i), VARIED)
                          for i, (b, o) in enumerate(bids.items())]
    slow_boilerplate = [ScoreRow(1, b, o, 7, 70, T0 + timedelta(minutes=9 * i), ("同意",) * 5)
                        for i, (b, o) in enumerate(bids.items())]
    [flag] = S.hurried_scoring(hurried + quick_but_reasoned + slow_boilerplate)
    assert flag.key == "hurried:u5:p1" and flag.facts["gap"] == 8 and flag.facts["share"] == 100


# --- rotation and cover bidding ------------------------------------------------------------------------------

def tender(project: int, orgs: dict[int, float], winner: int, partners: dict[int, frozenset[int]] | None = None):
    """A tender: org → the panel's score of its bid (three members agreeing), the winner's award."""
    bids = {project * 10 + i: org for i, org in enumerate(orgs)}
    rows = [BidRow(b, project, o, total=50000 + o, partner_ids=(partners or {}).get(o, frozenset()))
            for b, o in bids.items()]
    scores = panel(project, bids, {m: {b: orgs[o] + m - 2 for b, o in bids.items()} for m in (1, 2, 3)})
    return scores, rows, [AwardRow(project, winner, 50000 + winner, 1, 1)]


def district(*tenders):
    scores, bids, awards = [], [], []
    for s, b, a in tenders:
        scores, bids, awards = scores + s, bids + b, awards + a
    return scores, bids, awards


def test_a_ring_taking_turns_with_hopeless_covers_is_rotation():
    ring = district(tender(1, {7: 88, 8: 60, 9: 58}, 7), tender(2, {7: 61, 8: 90, 9: 55}, 8),
                    tender(3, {7: 57, 8: 62, 9: 86}, 9), tender(4, {7: 91, 8: 59, 9: 60}, 7))
    [flag] = S.rotation(*ring)
    assert flag.key == "rotation:o7:o8:o9" and flag.severity == "high" and flag.org_ids == {7, 8, 9}
    assert flag.facts["tenders"] == 4 and flag.facts["winners"] == 3 and flag.facts["gap"] >= S.COVER_SCORE_GAP
    assert flag.project_ids == {1, 2, 3, 4} and [r["winner"] for r in flag.rows] == [7, 8, 9, 7]
    assert all(r["cover"] for r in flag.rows)


def test_one_winner_with_the_same_covers_every_time_is_cover_bidding():
    covered = district(*(tender(t, {7: 90, 8: 60}, 7) for t in range(1, 4)))
    [flag] = S.rotation(*covered)
    assert flag.severity == "medium" and flag.facts["winners"] == 1 and not flag.facts["rotating"]


def test_a_niche_of_few_organizations_in_close_contests_is_not_rotation():
    """Three local organizations meeting tender after tender, each winning by a few points: competition."""
    close = district(tender(1, {7: 84, 8: 80, 9: 78}, 7), tender(2, {7: 79, 8: 83, 9: 81}, 8),
                     tender(3, {7: 80, 8: 77, 9: 85}, 9), tender(4, {7: 86, 8: 82, 9: 70}, 7))
    assert S.rotation(*close) == []
    # covered twice but one real contest: the losers were not *never* competitive
    once_close = district(tender(1, {7: 90, 8: 60}, 7), tender(2, {7: 60, 8: 90}, 8), tender(3, {7: 80, 8: 78}, 7))
    assert S.rotation(*once_close) == []


def test_a_strong_organization_against_ever_new_rivals_or_a_ring_too_rarely_seen_is_not_rotation():
    strong = district(*(tender(t, {7: 92, 20 + t: 60}, 7) for t in range(1, 6)))
    assert S.rotation(*strong) == []
    twice = district(tender(1, {7: 90, 8: 60}, 7), tender(2, {7: 60, 8: 90}, 8),
                     tender(3, {7: 90, 8: 60, 30: 50}, 7))  # the third tender drew an outsider: not the same set
    assert S.rotation(*twice) == []
    big = district(*(tender(t, {o: (90 if o == 7 + t % 5 else 50) for o in range(7, 12)}, 7 + t % 5)
                     for t in range(1, 6)))  # five organizations: more than a small ring
    assert S.rotation(*big) == []


def test_joint_partners_are_not_a_ring():
    joint = district(*(tender(t, {7: 90, 8: 60}, 7, partners={7: frozenset({8})}) for t in range(1, 4)))
    assert S.rotation(*joint) == []


def test_without_scores_the_price_tells_covers_from_contests():
    def priced(project, prices, winner):
        return [BidRow(project * 10 + o, project, o, total=p) for o, p in prices.items()], \
            [AwardRow(project, winner, prices[winner], 1, 1)]
    covers = [priced(t, {7: 50000, 8: 62000}, 7) for t in range(1, 4)]
    [flag] = S.rotation([], [b for bs, _a in covers for b in bs], [a for _b, aw in covers for a in aw])
    assert flag.facts["by_score"] is False and flag.facts["gap"] == 24.0
    close = [priced(t, {7: 50000, 8: 52000}, 7) for t in range(1, 4)]
    assert S.rotation([], [b for bs, _a in close for b in bs], [a for _b, aw in close for a in aw]) == []
