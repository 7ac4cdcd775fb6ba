"""Chinese full-text search: jieba tokens in a `search_text` column, matched by the database's own
index (SQLite FTS5 / PostgreSQL tsvector + GIN). Two-character words such as 助餐, 托管, 养老 are
found because both the index and the query are cut into words, not trigrams."""

from __future__ import annotations

import logging
import re
from typing import Any

import jieba
from sqlalchemy import func, literal_column, select, text

from marketplace.extensions import db

jieba.setLogLevel(logging.WARNING)
_WORD = re.compile(r"\w", re.UNICODE)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_CJK = re.compile(r"^[\u4e00-\u9fff]+$")


def _bigrams(word: str) -> list[str]:
    return [word[i:i + 2] for i in range(len(word) - 1)]


def initialise() -> None:
    """Load jieba's dictionary once (about a second); call before gunicorn forks its workers."""
    jieba.initialize()


def tokens(*texts: str | None) -> str:
    """The index form of some text: jieba's words and sub-words, plus every two-character pair of
    each Chinese run (jieba may cut 助餐点 as 助 / 餐点; the pair 助餐 still finds it)."""
    words: list[str] = []
    for t in texts:
        if t:
            words.extend(w.strip().lower() for w in jieba.cut_for_search(t))
            for run in _CJK_RUN.findall(t):
                words.extend(_bigrams(run))
    return " ".join(dict.fromkeys(w for w in words if w and _WORD.search(w)))


def query_words(q: str) -> list[str]:
    """jieba's words of the query; a Chinese word of two or more characters is matched by its
    character pairs, all of which must be present."""
    found: list[str] = []
    for w in (w.strip().lower() for w in jieba.cut(q or "")):
        if not w or not _WORD.search(w):
            continue
        found.extend(_bigrams(w) if _CJK.match(w) and len(w) > 1 else [w])
    return list(dict.fromkeys(found))[:16]


def matches(model: Any, q: str) -> Any:
    """A WHERE clause: rows of `model` whose text contains every word of `q` (None for no words)."""
    words = query_words(q)
    if not words:
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        # the stored, indexed column (models/search.py), never to_tsvector computed per row
        vector = literal_column(f"{model.__tablename__}.search_vector")
        return vector.op("@@")(func.plainto_tsquery("simple", " ".join(words)))
    table = model.__tablename__
    expression = " ".join('"' + w.replace('"', '""') + '"' for w in words)  # implicit AND
    return model.id.in_(select(text("rowid")).select_from(text(f"{table}_fts"))
                        .where(text(f"{table}_fts MATCH :expr").bindparams(expr=expression)))
