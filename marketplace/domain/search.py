"""Chinese full-text search: jieba tokens in a `search_text` column, matched by the database's own
index (SQLite FTS5 / PostgreSQL tsvector + GIN). Two-character words such as 助餐, 托管, 养老 are
found because both the index and the query are cut into words, not trigrams."""

from __future__ import annotations

import logging
import re
from typing import Any

import jieba
from sqlalchemy import func, select, text

from marketplace.extensions import db

jieba.setLogLevel(logging.WARNING)
_WORD = re.compile(r"\w", re.UNICODE)


def initialise() -> None:
    """Load jieba's dictionary once (about a second); call before gunicorn forks its workers."""
    jieba.initialize()


def tokens(*texts: str | None) -> str:
    """The index form of some text: every word and sub-word, space-separated, lower case."""
    words: list[str] = []
    for t in texts:
        if t:
            words.extend(w.strip().lower() for w in jieba.cut_for_search(t))
    return " ".join(w for w in words if w and _WORD.search(w))


def query_words(q: str) -> list[str]:
    words = [w.strip().lower() for w in jieba.cut(q or "")]
    return list(dict.fromkeys(w for w in words if w and _WORD.search(w)))[:12]


def matches(model: Any, q: str) -> Any:
    """A WHERE clause: rows of `model` whose text contains every word of `q` (None for no words)."""
    words = query_words(q)
    if not words:
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        vector = func.to_tsvector("simple", func.coalesce(model.search_text, ""))
        return vector.op("@@")(func.plainto_tsquery("simple", " ".join(words)))
    table = model.__tablename__
    expression = " ".join('"' + w.replace('"', '""') + '"' for w in words)  # implicit AND
    return model.id.in_(select(text("rowid")).select_from(text(f"{table}_fts"))
                        .where(text(f"{table}_fts MATCH :expr").bindparams(expr=expression)))
