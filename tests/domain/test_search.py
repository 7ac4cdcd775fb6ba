import pytest

from marketplace.domain.core import search
from marketplace.extensions import db
from marketplace.models import Need
from tests.factories import make_need, make_user
from marketplace.models import Role


def test_tokens_hold_words_and_character_pairs():
    tokens = search.tokens("开设周末老人助餐点").split()
    assert "助餐" in tokens and "老人" in tokens and "周末" in tokens


@pytest.mark.parametrize(("text", "query", "found"), [
    ("开设周末老人助餐点", "助餐", True),
    ("四点半课堂：放学后托管", "托管", True),
    ("社区养老服务驿站", "养老", True),
    ("困难家庭学生助学帮扶", "助学", True),
    ("老年人智能手机培训", "老年人 手机", True),
    ("社区花园共建", "养老", False),
    ("Community garden", "garden", True),
])
def test_database_search_finds_two_character_words(text, query, found):
    need = make_need(make_user(Role.secretary), title=text, description="说明")
    db.session.commit()
    hits = db.session.scalars(db.select(Need.id).where(search.matches(Need, query))).all()
    assert (need.id in hits) is found


def test_queries_without_words_match_nothing_special():
    assert search.matches(Need, "  ，。！ ") is None
