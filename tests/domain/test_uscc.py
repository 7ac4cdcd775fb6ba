import pytest

from marketplace.domain.core import uscc

VALID = uscc.make("52370213MJ0000001")  # a 民办非企业单位 registered in Licang


def test_check_character_matches_a_published_code():
    # A company's code from the standard's published examples: the check character is 3.
    assert uscc.check_character("91350100M000100Y4") == "3"


def test_valid_social_organization_code_has_no_problems():
    assert uscc.problems(VALID) == []
    assert uscc.problems(VALID.lower()) == []  # typed in lower case: normalised
    assert uscc.problems(VALID, expected_type_char="2") == []


@pytest.mark.parametrize(("code", "fragment"), [
    ("52370213MJ000000", "18 位（当前为 16 位）"),        # too short
    (VALID + "1", "当前为 19 位"),                       # too long
    (VALID[:17] + ("0" if VALID[17] != "0" else "1"), "校验码"),
    ("91350100M000100Y43", "以 5 开头"),                  # a company, not a social organization
    ("52AB0213MJ0000001" + "0", "行政区划"),
])
def test_invalid_codes_are_refused_with_a_reason(app, code, fragment):
    """Messages are in Chinese by default (the district's language)."""
    with app.test_request_context():
        found = uscc.problems(code)
        assert found, code
        assert fragment in str(found[0])


def test_forbidden_letters_are_named(app):
    code = "5237021300000000O" + "1"
    with app.test_request_context():
        assert "O" in str(uscc.problems(code)[0])


def test_type_character_must_match_the_type(app):
    with app.test_request_context():
        message = str(uscc.problems(VALID, expected_type_char="1")[0])
    assert "（2）" in message and "组织类型" in message


def test_every_position_counts_in_the_check_character():
    base = "52370213MJ0000001"
    for i in range(17):
        replacement = "3" if base[i] != "3" else "4"
        changed = base[:i] + replacement + base[i + 1:]
        assert uscc.check_character(changed) != uscc.check_character(base), i
