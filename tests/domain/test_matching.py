"""供需精准匹配: needs in everyday words find catalogue items in the catalogue's words."""

import pytest
from flask_babel import force_locale

from marketplace.domain.supply import matching
from marketplace.domain.supply.matching import Item, Matcher, Thesaurus


def _item(key, name, category_code, description, audience="", streets=(), whole=False, **kw):
    names = {"elderly": "为老服务", "youth": "未成年人保护", "community": "社区营造",
             "legal": "法律服务与矛盾调解", "assistance": "困难群体帮扶"}
    return Item(key=key, name=name, category=names[category_code], category_code=category_code,
                description=description, audience=audience, streets=tuple(streets), whole_district=whole,
                organization_name=f"{key}组织", **kw)


CATALOGUE = [
    _item("bath", "上门助浴服务", "elderly", "助浴员携带移动助浴设备上门，为失能老人提供清洁护理。", "失能老年人", whole=True),
    _item("meal", "老年助餐服务", "elderly", "长者食堂配餐，为行动不便的老人配送营养午餐。", "高龄老人", streets=["李村街道"]),
    _item("meal2", "长者食堂助餐", "elderly", "长者食堂堂食与配餐。", "老年人", streets=["九水街道"]),
    _item("memory", "认知症照护支持", "elderly", "认知症早期筛查、认知训练、照护者培训。", "记忆减退老人", whole=True),
    _item("home", "居家适老化改造", "elderly", "加装扶手、防滑地垫、夜灯，预防跌倒。", "高龄老人家庭", whole=True),
    _item("mediate", "邻里纠纷人民调解", "legal", "人民调解员调处邻里矛盾纠纷。", "社区居民", whole=True),
    _item("family", "婚姻家庭矛盾调解", "legal", "调解夫妻矛盾、婆媳关系。", "有家庭矛盾的居民", whole=True),
    _item("afterschool", "四点半课堂", "youth", "小学生放学后托管、辅导作业。", "小学生", whole=True),
    _item("jobs", "就业援助与技能培训", "assistance", "为失业人员提供职业指导和技能培训。", "失业人员", whole=True),
    _item("garden", "社区花园营造", "community", "把闲置空地改造成社区花园。", "社区居民", whole=True),
]


@pytest.mark.parametrize(("need", "first"), [
    ("我爸瘫在床上，好久没洗澡了", "bath"),
    ("老人最近老是忘事，出门找不到家", "memory"),
    ("奶奶在家摔倒了好几次", "home"),
    ("独居老人做不了饭，想有人送饭", "meal"),
    ("楼上楼下天天吵架，谁也不让谁", "mediate"),
    ("两口子经常吵架闹离婚", "family"),
    ("孩子放学早，家长下班晚没人接", "afterschool"),
    ("下岗好几年了找不到工作", "jobs"),
])
def test_everyday_words_find_the_catalogue_item(need, first):
    results = Matcher(CATALOGUE).rank(need)
    assert results and results[0].item.key == first


def test_the_needs_street_puts_an_item_that_serves_it_first():
    matcher = Matcher(CATALOGUE)
    assert matcher.rank("老人吃饭难，需要送饭", street="九水街道")[0].item.key == "meal2"
    assert matcher.rank("老人吃饭难，需要送饭", street="李村街道")[0].item.key == "meal"


def test_an_item_without_capacity_ranks_below_an_equal_one_with_capacity():
    full = [_item("a", "上门助浴", "elderly", "上门助浴", whole=True, capacity_left=0),
            _item("b", "上门助浴", "elderly", "上门助浴", whole=True, capacity_left=5)]
    assert [m.item.key for m in Matcher(full).rank("洗澡")] == ["b", "a"]


def test_better_grades_and_past_results_order_equal_items():
    items = [_item("plain", "上门助浴", "elderly", "上门助浴", whole=True),
             _item("proven", "上门助浴", "elderly", "上门助浴", whole=True, grade="4A", credit=92,
                   past_grades=("excellent", "good"))]
    assert Matcher(items).rank("洗澡")[0].item.key == "proven"


def test_a_need_with_nothing_in_common_matches_nothing():
    matcher = Matcher(CATALOGUE)
    assert matcher.rank("") == []
    assert matcher.rank("，。！") == []
    assert matcher.rank("量子计算机芯片") == []
    assert Matcher([]).rank("洗澡") == []


def test_a_form_cut_across_two_words_is_not_a_mention():
    words = Thesaurus.parse("调解 [legal] = 调解 吵架\n")
    assert words.tag("我们协调解决了") == []
    assert words.tag("帮忙调解一下") == [("调解", "调解")]


def test_broader_concepts_are_counted_too():
    words = Thesaurus.parse("调解 = 调解\n邻里 = 邻居\n邻里纠纷 < 调解 邻里 = 漏水\n")
    hits = words.tag("楼上漏水")
    assert hits == [("邻里纠纷", "漏水")]
    assert words.expand(hits) == ["邻里纠纷", "调解", "邻里"]


def test_the_thesaurus_refuses_malformed_lines():
    with pytest.raises(ValueError):
        Thesaurus.parse("调解 [legal] 吵架\n")
    with pytest.raises(ValueError):
        Thesaurus.parse("调解 = 吵\n")
    with pytest.raises(ValueError):
        Thesaurus.parse("调解 < 不存在 = 吵架\n")
    with pytest.raises(ValueError):  # one form, two concepts: the curator must choose
        Thesaurus.parse("调解 = 吵架\n婚姻家庭 = 吵架\n")


def test_the_shipped_thesaurus_loads():
    words = matching.thesaurus()
    assert len(words.concepts) > 100
    assert words.form_to_concept["洗澡"] == "助浴"


def test_reasons_say_in_chinese_why_an_item_fits():
    items = [_item("bath", "上门助浴服务", "elderly", "上门助浴", streets=["李村街道"], capacity_left=12,
                   grade="4A", credit=91.5, past_grades=("excellent", "excellent", "good"))]
    match = Matcher(items).rank("老人洗澡难", street="九水街道")[0]
    with force_locale("zh_CN"):
        text = matching.describe_all(match)
    assert any("助浴（洗澡）" in t for t in text)
    assert "类别“为老服务”与需求相符" in text
    assert "未覆盖九水街道" in text
    assert "本月剩余服务能力：12" in text
    assert "等级 4A" in text
    assert "信用分 91.5" in text
    assert any(t.startswith("为老服务以往考榜：优秀 2、良好 1") for t in text)


def test_sharing_only_who_a_service_is_for_is_no_specific_fit():
    items = [_item("choir", "老年合唱团", "elderly", "组织老年人唱歌", whole=True),
             _item("bath", "上门助浴", "elderly", "为老年人上门助浴", whole=True)]
    found = {m.item.key: m for m in Matcher(items).rank("老人洗澡难")}
    assert found["bath"].specific and not found["choir"].specific
    assert Thesaurus.parse("老年人* [elderly] = 老人\n").concepts["老年人"].broad
