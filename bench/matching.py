"""Benchmark: how well 供需精准匹配 finds the right catalogue item for a need in everyday words.

    .venv/bin/python bench/matching.py            # both sets, summary
    .venv/bin/python bench/matching.py --misses   # and every need whose first result is wrong

Over the labelled catalogue in bench/data/matching_catalogue.json (64 items, 5 categories) it ranks
each need of bench/data/matching_needs.json (the development set, which the thesaurus was tuned on)
and of two held-out sets — bench/data/matching_heldout.json (written before the thesaurus) and
bench/data/matching_fresh.json (written after the tuning, committed before its first run) — and prints
P@1 (the first result is one of the expected items) and Hit@3 (one of them is in the first three)
for the matcher and for plain BM25 over the same items' jieba words (the baseline).
No database: the matcher ranks plain items, as the served /api/v1/match does after loading them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the checkout first; this folder off the path (bench/http.py would shadow the standard library's http)
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

import jieba  # noqa: E402

from marketplace.domain.supply.matching import Item, Matcher, PlainBM25, metrics  # noqa: E402

DATA = ROOT / "bench" / "data"
CATEGORY_NAMES = {"elderly": "为老服务", "youth": "未成年人保护", "community": "社区营造",
                  "legal": "法律服务与矛盾调解", "assistance": "困难群体帮扶"}
PAST = {"优秀": "excellent", "良好": "good", "合格": "passed", "不合格": "failed"}


def load_catalogue(path: Path = DATA / "matching_catalogue.json") -> list[Item]:
    items = []
    for row in json.loads(path.read_text(encoding="utf-8")):
        whole = row["streets"] == "全区"
        items.append(Item(
            key=row["key"], name=row["name"], category=CATEGORY_NAMES[row["category"]],
            category_code=row["category"], description=row["description"], audience=row["audience"],
            streets=() if whole else tuple(row["streets"]), whole_district=whole,
            organization_name=row["organization"], capacity_left=row["capacity_left"], grade=row["grade"],
            credit=row["credit"], past_grades=tuple(PAST[g] for g in row["past_grades"])))
    return items


def load_needs(name: str) -> list[dict]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def evaluate(items: list[Item], needs: list[dict], show_misses: bool = False) -> dict[str, dict[str, float]]:
    matcher, baseline = Matcher(items), PlainBM25(items)
    ranked, plain, expected = [], [], []
    for need in needs:
        got = [m.item.key for m in matcher.rank(need["q"], street=need.get("street"), limit=3)]
        ranked.append(got)
        plain.append([i.key for i in baseline.rank(need["q"], limit=3)])
        expected.append(set(need["expect"]))
        if show_misses and not (got[:1] and got[0] in expected[-1]):
            print(f"   miss: {need['q']} [{need.get('street', '')}] expected {need['expect']} got {got}")
    return {"matcher": metrics(ranked, expected), "BM25": metrics(plain, expected)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--misses", action="store_true", help="print every need whose first result is wrong")
    args = parser.parse_args()
    jieba.initialize()  # (its dictionary loads once, not inside the first timing)
    items = load_catalogue()
    print(f"catalogue: {len(items)} items in {len({i.category for i in items})} categories")
    print(f"{'set':<24}{'needs':>6}  {'ranker':<8}{'P@1':>7}{'Hit@3':>8}")
    for label, name in (("development", "matching_needs.json"), ("held-out", "matching_heldout.json"),
                        ("held-out 2", "matching_fresh.json")):
        needs = load_needs(name)
        started = time.perf_counter()
        result = evaluate(items, needs, args.misses)
        elapsed = (time.perf_counter() - started) / len(needs) * 1000
        for ranker, m in result.items():
            print(f"{label:<24}{len(needs):>6}  {ranker:<8}{m['P@1']:>7.2f}{m['Hit@3']:>8.2f}")
        print(f"{'':<24}{'':>6}  ({elapsed:.1f} ms per need, both rankers)")


if __name__ == "__main__":
    main()
