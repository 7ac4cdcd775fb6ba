"""Every user-facing message has its Chinese translation (the district's language)."""

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from marketplace.config import ROOT

CATALOG = ROOT / "marketplace" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _source_messages() -> set[str]:
    found = set()
    for folder, method in (("marketplace", "python"), ("templates", "jinja2")):
        for _file, _line, message, _comments, _context in extract_from_dir(
                str(ROOT / folder), method_map=[("**.py", "python")] if method == "python"
                else [("**.html", "jinja2")], keywords=KEYWORDS):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_has_a_chinese_translation():
    with open(CATALOG, "rb") as fh:
        catalog = read_po(fh, locale="zh_Hans_CN")
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    missing = sorted(_source_messages() - translated)
    assert missing == [], f"run `make babel-update` and translate: {missing}"


def test_the_chinese_catalog_is_found_for_zh_cn(app, client):
    # Babel resolves zh_CN to zh_Hans_CN: the catalog's folder must carry that name
    assert "登录" in client.get("/login").get_data(as_text=True)
