"""供需精准匹配: rank catalogue items for a need written in everyday words.

Residents say 洗澡, 忘事, 摔倒, 送饭, 吵架; the catalogue says 助浴, 认知症, 适老化, 助餐, 调解. The
bridge is a curated thesaurus (`thesaurus.txt` beside this file): each concept lists the ways people
say it, and both the need and every item are tagged with the concepts they mention. Ranking is BM25
(the `bm25s` library) over each item's jieba words plus its concept tags, the need's concept tags
counting more than its bare words; then the category the need's concepts point to, whether the item
covers the need's street, capacity left, grade, credit and past 考榜 grades in the category adjust
the order. Every result carries its reasons.

This module knows nothing of the database: it ranks `Item`s (plain data). The catalogue adapter
builds them from the listed service items."""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import bm25s
import jieba
from flask_babel import gettext as _

from marketplace.models.enums import EvaluationGrade

jieba.setLogLevel(logging.WARNING)

THESAURUS = Path(__file__).with_name("thesaurus.txt")

# Weights of the final score. Text relevance (normalised to the best item) dominates; the rest order
# items that answer the need about equally well, and push down those that cannot serve it.
CONCEPT_WEIGHT = 2.0     # a need's concept counts twice a bare word
W_TEXT = 1.0
W_CATEGORY = 0.25        # × the share of the need's concepts pointing to the item's category
W_STREET_COVERED = 0.10
W_STREET_MISSED = -0.60  # the item cannot serve the need's street: it ranks below any item that
#                          can and matches the text at least about a third as well
W_NO_CAPACITY = -0.20    # nothing left this month
W_GRADE = 0.03           # × grade/5
W_CREDIT = 0.03          # × credit/100
W_PAST = 0.04            # × mean of past grades in the category (优秀 1 … 不合格 -1)
MIN_TEXT = 0.12          # below this share of the best text score an item is not a match

PAST_VALUE = {"excellent": 1.0, "good": 0.6, "passed": 0.2, "failed": -1.0}

_WORD = re.compile(r"\w", re.UNICODE)
_CJK_ONLY = re.compile(r"^[\u4e00-\u9fff]$")
STOPWORDS = frozenset("""
的 了 和 与 及 或 在 是 有 没 没有 不 也 都 就 还 又 很 太 好 想 要 能 会 可以 可能 需要 希望 请 帮 帮忙 一下 一些 一个 这个
那个 这些 那些 我 我们 你 你们 他 她 他们 她们 它 自己 大家 家里 社区 小区 居民 服务 提供 开展 问题 事情 什么 怎么 怎么办
为 为了 对 把 被 让 给 从 到 上 下 里 中 等 个 些 吗 呢 吧 啊 呀 哦 嗯 着 过 得 地 之 其 每 每天 天天 经常 总是 老是 最近 现在
以后 已经 因为 所以 但是 可是 如果 还是 并 并且 以及 进行 相关 方面 工作 活动 项目 针对 通过 情况
""".split())


@dataclass(frozen=True)
class Concept:
    head: str
    categories: tuple[str, ...]
    forms: tuple[str, ...]
    parents: tuple[str, ...] = ()
    broad: bool = False  # who a service is for (老年人, 儿童): ranks, but alone is no fit


@dataclass
class Thesaurus:
    concepts: dict[str, Concept]
    form_to_concept: dict[str, str]
    max_form: int

    @classmethod
    def parse(cls, text: str) -> Thesaurus:
        concepts: dict[str, Concept] = {}
        forms: dict[str, str] = {}
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            left, sep, right = line.partition("=")
            if not sep:
                raise ValueError(f"thesaurus line {number}: no '='")
            match = re.fullmatch(r"\s*(\S+)\s*(?:\[([^\]]*)\])?\s*(?:<([^=]*))?", left)
            if not match:
                raise ValueError(f"thesaurus line {number}: expected 概念词 [类别…] < 上位概念…")
            head, broad = match.group(1).rstrip("*"), match.group(1).endswith("*")
            cats, parents = tuple((match.group(2) or "").split()), tuple((match.group(3) or "").split())
            if head in concepts:
                raise ValueError(f"thesaurus line {number}: concept {head} twice")
            said = tuple(dict.fromkeys([head, *right.split()]))
            for form in said:
                if len(form) < 2:
                    raise ValueError(f"thesaurus line {number}: {form!r} is shorter than two characters")
                if forms.get(form, head) != head:
                    raise ValueError(f"thesaurus line {number}: {form} is already a form of {forms[form]}")
                forms[form] = head
            concepts[head] = Concept(head, cats, said, parents, broad)
        for concept in concepts.values():
            for parent in concept.parents:
                if parent not in concepts:
                    raise ValueError(f"thesaurus: {concept.head} < {parent}: no such concept")
        return cls(concepts, forms, max(map(len, forms), default=0))

    def lineage(self, head: str) -> list[str]:
        """The concept and every concept above it."""
        seen, todo = [], [head]
        while todo:
            c = todo.pop(0)
            if c not in seen:
                seen.append(c)
                todo.extend(self.concepts[c].parents)
        return seen

    def tag(self, text: str) -> list[tuple[str, str]]:
        """The concepts `text` mentions directly, as (concept, the form found) in text order: longest
        forms first, never two overlapping; a form straddling two jieba words at both ends is skipped.
        `expand` adds the broader concepts."""
        if not text:
            return []
        lowered = text.lower()
        boundaries = {0}
        position = 0
        for word in jieba.cut(lowered):
            position += len(word)
            boundaries.add(position)
        found: list[tuple[int, int, str]] = []
        n = len(lowered)
        for start in range(n):
            for length in range(min(self.max_form, n - start), 1, -1):
                form = lowered[start:start + length]
                if form in self.form_to_concept:
                    found.append((start, start + length, form))
        found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
        taken = [False] * n
        hits: list[tuple[int, str, str]] = []
        for start, end, form in found:
            if any(taken[start:end]):
                continue
            inner = any(b in boundaries for b in range(start + 1, end))
            if inner and start not in boundaries and end not in boundaries:
                continue  # 调解 inside 协调|解决
            for i in range(start, end):
                taken[i] = True
            hits.append((start, self.form_to_concept[form], text[start:end]))
        return [(concept, said) for _, concept, said in sorted(hits)]

    def expand(self, hits: list[tuple[str, str]]) -> list[str]:
        """Every concept the hits count for, the broader ones included, each once."""
        return list(dict.fromkeys(c for head, _ in hits for c in self.lineage(head)))


@lru_cache(maxsize=1)
def thesaurus() -> Thesaurus:
    return Thesaurus.parse(THESAURUS.read_text(encoding="utf-8"))


def words(text: str) -> list[str]:
    """jieba's search-mode words of `text`, lower-cased, without punctuation, stop words and
    single Chinese characters."""
    out = []
    for w in jieba.cut_for_search(text or ""):
        w = w.strip().lower()
        if w and _WORD.search(w) and w not in STOPWORDS and not _CJK_ONLY.match(w):
            out.append(w)
    return out


def plain_words(text: str) -> list[str]:
    """The baseline's tokens: jieba's search-mode words, punctuation dropped, nothing else."""
    return [w for w in (w.strip().lower() for w in jieba.cut_for_search(text or "")) if w and _WORD.search(w)]


@dataclass(frozen=True)
class Item:
    """One listed catalogue item, as the matcher sees it."""

    key: Any
    name: str
    category: str                       # the category's name, e.g. 为老服务
    category_code: str = ""             # its code (elderly …), which the thesaurus's tags use
    description: str = ""               # what is delivered
    audience: str = ""                  # who it is for
    streets: tuple[str, ...] = ()       # street names it covers
    whole_district: bool = False        # 全区
    organization_name: str = ""
    organization_uscc: str = ""
    capacity_left: int | None = None    # this month; None: not known
    grade: str | None = None            # effective rating 1A–5A, None: none
    credit: float | None = None         # credit score, None: no record yet
    past_grades: tuple[str, ...] = ()   # 考榜 grades (excellent/good/passed/failed) in this category

    def text(self) -> str:
        return "\n".join(p for p in (self.name, self.name, self.category, self.description, self.audience) if p)

    def covers(self, street: str | None) -> bool:
        return self.whole_district or (street is not None and street in self.streets)


@dataclass(frozen=True)
class Reason:
    """Why an item ranks where it does: a kind and its values (rendered by `describe`)."""

    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Match:
    item: Item
    score: float
    reasons: list[Reason]
    relevance: float = 1.0  # the text score as a share of the best item's
    specific: bool = False  # it shares a concept with the need beyond who it is for


@dataclass
class Need:
    """A need's text, analysed once."""

    text: str
    street: str | None = None
    category_code: str | None = None     # a category already chosen (a recorded need has one)
    words: list[str] = field(default_factory=list)
    concepts: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, text: str, street: str | None = None, category_code: str | None = None) -> Need:
        text = (text or "").strip()
        return cls(text, street or None, category_code or None, words(text), thesaurus().tag(text))

    def categories(self) -> dict[str, float]:
        """The share of the need's concepts pointing at each category (a chosen category counts
        as much as all of them)."""
        votes: Counter[str] = Counter()
        concepts = thesaurus().concepts
        for head in thesaurus().expand(self.concepts):
            cats = concepts[head].categories
            for code in cats:
                votes[code] += 1 / len(cats)
        total = sum(votes.values())
        shares = {code: v / total for code, v in votes.items()} if total else {}
        if self.category_code:
            shares = {code: s / 2 for code, s in shares.items()}
            shares[self.category_code] = shares.get(self.category_code, 0) + (0.5 if total else 1.0)
        return shares


class Matcher:
    """An index over a fixed list of items; `rank` answers needs against it."""

    def __init__(self, items: list[Item]):
        self.items = list(items)
        self._bm25, self._words, self._concepts = _corpus(tuple(item.text() for item in self.items))

    def rank(self, text: str, street: str | None = None, limit: int = 10,
             category_code: str | None = None) -> list[Match]:
        need = Need.of(text, street, category_code)
        if not self.items or (not need.words and not need.concepts):
            return []
        weights: Counter[str] = Counter()
        for w in need.words:
            weights[w] += 1.0
        for concept in thesaurus().expand(need.concepts):
            weights["§" + concept] = CONCEPT_WEIGHT
        text_scores = [0.0] * len(self.items)
        for token, weight in weights.items():
            for i, s in enumerate(self._bm25.get_scores([token])):
                text_scores[i] += weight * float(s)
        best = max(text_scores)
        if best <= 0:
            return []
        shares = need.categories()
        need_concepts = set(thesaurus().expand(need.concepts))
        results = []
        for i, item in enumerate(self.items):
            relevance = text_scores[i] / best
            if relevance < MIN_TEXT:
                continue
            score, reasons = self._features(item, i, need, shares, relevance)
            specific = any(not thesaurus().concepts[c].broad for c in need_concepts & self._concepts[i])
            results.append(Match(item, round(score, 4), reasons, round(relevance, 4), specific))
        results.sort(key=lambda m: (-m.score, str(m.item.key)))
        return results[:max(limit, 0)]

    def _features(self, item: Item, i: int, need: Need, shares: dict[str, float],
                  relevance: float) -> tuple[float, list[Reason]]:
        score = W_TEXT * relevance
        reasons: list[Reason] = []
        tags, item_concepts = thesaurus(), self._concepts[i]
        matched, shown = [], set()
        for head, said in need.concepts:  # each mention, as the most specific concept the item has
            concept = next((c for c in tags.lineage(head) if c in item_concepts), None)
            if concept is not None and concept not in shown:
                shown.add(concept)
                matched.append(concept if said == concept else f"{concept}（{said}）")
        concept_forms = {f for c in tags.expand(need.concepts) for f in tags.concepts[c].forms}
        matched += [w for w in dict.fromkeys(need.words) if w in self._words[i] and w not in concept_forms]
        if matched:
            reasons.append(Reason("words", {"words": "、".join(dict.fromkeys(matched))}))
        share = shares.get(item.category_code, 0.0)
        score += W_CATEGORY * share
        reasons.append(Reason("category", {"category": item.category, "fits": share >= 0.5 or (
            share > 0 and share == max(shares.values()))}))
        if need.street:
            covered = item.covers(need.street)
            score += W_STREET_COVERED if covered else W_STREET_MISSED
            reasons.append(Reason("street", {"street": need.street, "covers": covered,
                                             "district": item.whole_district}))
        elif item.whole_district:
            reasons.append(Reason("district"))
        else:
            reasons.append(Reason("streets", {"streets": "、".join(item.streets)}))
        if item.capacity_left is not None:
            if item.capacity_left <= 0:
                score += W_NO_CAPACITY
            reasons.append(Reason("capacity", {"left": item.capacity_left}))
        if item.grade:
            score += W_GRADE * int(item.grade[0]) / 5
            reasons.append(Reason("grade", {"grade": item.grade}))
        else:
            reasons.append(Reason("no_grade"))
        if item.credit is not None:
            score += W_CREDIT * max(0.0, min(item.credit, 100.0)) / 100
            reasons.append(Reason("credit", {"credit": item.credit}))
        else:
            reasons.append(Reason("no_credit"))
        if item.past_grades:
            values = [PAST_VALUE.get(g, 0.0) for g in item.past_grades]
            score += W_PAST * sum(values) / len(values)
            reasons.append(Reason("past", {"grades": Counter(item.past_grades), "category": item.category}))
        else:
            reasons.append(Reason("no_past", {"category": item.category}))
        return score, reasons


def describe(reason: Reason) -> str:
    """A reason as a sentence in the current locale (Chinese by default)."""
    p, kind = reason.params, reason.kind
    if kind == "words":
        return _("Matched words: %(words)s", words=p["words"])
    if kind == "category":
        if p["fits"]:
            return _("Category %(category)s fits the need", category=p["category"])
        return _("Category: %(category)s", category=p["category"])
    if kind == "street":
        if not p["covers"]:
            return _("Does not cover %(street)s", street=p["street"])
        if p["district"]:
            return _("Covers %(street)s (the whole district)", street=p["street"])
        return _("Covers %(street)s", street=p["street"])
    if kind == "district":
        return _("Covers the whole district")
    if kind == "streets":
        return _("Covers %(streets)s", streets=p["streets"])
    if kind == "capacity":
        if p["left"] <= 0:
            return _("No capacity left this month")
        return _("Capacity left this month: %(left)s", left=p["left"])
    if kind == "grade":
        return _("Rating grade %(grade)s", grade=p["grade"])
    if kind == "no_grade":
        return _("No valid rating grade")
    if kind == "credit":
        credit = "%.1f" % p["credit"]
        return _("Credit score %(credit)s", credit=credit)
    if kind == "no_credit":
        return _("No credit record yet")
    if kind == "past":
        counts = "、".join(f"{EvaluationGrade(g).label} {n}" for g, n in sorted(
            p["grades"].items(), key=lambda gn: list(PAST_VALUE).index(gn[0])))
        return _("Past 考榜 grades in %(category)s: %(grades)s", category=p["category"], grades=counts)
    if kind == "no_past":
        return _("No 考榜 record in %(category)s yet", category=p["category"])
    if kind == "your_item":
        return _("Fits your service item “%(item)s”", item=p["item"])
    if kind == "complements":
        return _("Brings what your items do not: %(concepts)s", concepts=p["concepts"])
    return kind


def describe_all(found: Any) -> list[str]:
    """The reasons of a match (or of anything with `reasons`) as sentences."""
    return [describe(r) for r in found.reasons]


class PlainBM25:
    """The baseline: BM25 over the items' jieba words, nothing else."""

    def __init__(self, items: list[Item]):
        self.items = list(items)
        self._bm25 = _index([plain_words(i.text()) for i in self.items])

    def rank(self, text: str, limit: int = 10) -> list[Item]:
        query = plain_words(text)
        if not query or not self.items:
            return []
        scores = self._bm25.get_scores(query)
        order = sorted(range(len(self.items)), key=lambda i: (-float(scores[i]), i))
        return [self.items[i] for i in order[:limit] if scores[i] > 0]


@lru_cache(maxsize=8192)
def _analyse(text: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """An item text's BM25 tokens (its words, then a token per concept mention and per broader
    concept) and its concepts. Cached: the catalogue changes rarely, needs are answered often."""
    tags = thesaurus()
    found = tags.tag(text)
    return (tuple(words(text) + ["§" + c for head, _ in found for c in tags.lineage(head)]),
            frozenset(tags.expand(found)))


@lru_cache(maxsize=16)
def _corpus(texts: tuple[str, ...]) -> tuple[bm25s.BM25, list[set[str]], list[frozenset[str]]]:
    """The BM25 index of some item texts, their words and concepts. Cached on the texts: the same
    catalogue is answered again and again; any edit makes a new key."""
    analysed = [_analyse(text) for text in texts]
    return (_index([list(doc) for doc, _ in analysed]), [set(doc) for doc, _ in analysed],
            [concepts for _, concepts in analysed])


def _index(corpus: list[list[str]]) -> bm25s.BM25:
    retriever = bm25s.BM25()
    if corpus:
        retriever.index([doc or ["∅"] for doc in corpus], show_progress=False)
    return retriever


def metrics(ranked: list[list[Any]], expected: list[set[Any]]) -> dict[str, float]:
    """P@1 and Hit@3 of ranked keys against the expected keys, one list per need."""
    n = len(expected) or 1
    p1 = sum(1 for r, e in zip(ranked, expected, strict=True) if r[:1] and r[0] in e) / n
    hit3 = sum(1 for r, e in zip(ranked, expected, strict=True) if set(r[:3]) & e) / n
    return {"P@1": p1, "Hit@3": hit3}
