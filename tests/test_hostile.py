"""Hostile input never makes a 500: every GET page of the demo district is read as every role to
find its forms (and checked for inline script the CSP would block; tests/demo_crawl.py), then hostile values
(Hypothesis) are thrown at every form found and at every list's query string, as every role."""

from __future__ import annotations

import io
import os
import re
from urllib.parse import urlencode

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st


# Values that broke pages before (issue 11 §5) and their relatives.
NUMBERS = ["99999999999999999999999999", "-99999999999999999999999999", "9223372036854775808",
           "-9223372036854775809", "2147483648", "1e309", "-1e309", "1e-400", "NaN", "nan", "-NaN", "inf",
           "-Infinity", "0x10", "1_000", "１２３", "-0", "-1", "0", "12.3456789012345678901234567890", "1e30",
           "٣", "Ⅻ"]
DATES = ["9999-12-31", "0001-01-01", "0000-00-00", "2026-02-30", "99999-01-01", "2026-13-01T25:61",
         "9999-12-31T23:59", "1900-01-01T00:00"]
TEXTS = ["\x00", "a\x00b", "\x1b[31m", "\x7f", "\u202e反向", "\ufeff", "\r\n\r\n", "=1+2", "@SUM(A1)",
         "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "%00", "{{7*7}}", " ", "",
         "测" * 5000, "😀" * 30, "\u0301\u0301", "\U0010fffd"]
hostile_value = st.one_of(
    st.sampled_from(NUMBERS + DATES + TEXTS),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.integers(min_value=-(10 ** 30), max_value=10 ** 30).map(str),
)
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", 120))  # per part; more for a deeper run, e.g. 2000
QUERY_KEYS = ["page", "q", "status", "street", "community", "category", "budget_min", "budget_max",
              "period", "alliance", "kind", "thumb", "wish", "next", "need", "per_page", "sort"]


def test_no_hostile_input_makes_a_500_for_any_role(app, demo_crawl, demo):
    # every page read as every role on a fresh demo, once per pass (tests/demo_crawl.py): its forms,
    # found by the very clients (sessions, CSRF tokens) that now post to them on this fresh demo
    urls, clients, forms = demo_crawl.urls, demo_crawl.clients, demo_crawl.forms
    assert len(urls) > 150
    assert demo_crawl.failures == []
    assert demo_crawl.inline == []  # the Content-Security-Policy would block it
    assert len({action for _role, action in forms}) > 40, sorted(forms)
    _hostile_forms(app, clients, forms)
    _hostile_queries(clients, urls)


def _post(client, form, data, files):
    if form["multipart"] or files:
        payload = {**data, **{name: (io.BytesIO(content), filename) for name, (content, filename) in files.items()}}
        return client.post(form["action"], data=payload, content_type="multipart/form-data")
    return client.post(form["action"], data=data)


def _hostile_forms(app, clients, forms):
    keys = sorted(forms, key=lambda k: (str(k[0]), k[1]))
    problems = []
    # The deterministic sweep posts each form address once (as the first role that has it); the
    # Hypothesis part below mixes roles and forms at random.
    first_role = {}
    for role, action in keys:
        first_role.setdefault(re.sub(r"\d+", "N", action), (role, action))

    def attempt(role, form, overrides, files):
        data = {name: (spec["values"][0] if spec["values"] else "1") for name, spec in form["fields"].items()
                if spec["kind"] != "file"}
        data.update(overrides)
        try:
            response = _post(clients[role], form, data, files)
        except Exception as exc:  # the app raised (a 500 in production)
            problems.append((role, form["action"], overrides, repr(exc)[:300]))
            return
        if response.status_code >= 500:
            problems.append((role, form["action"], overrides, response.status_code))
        response.close()

    # Every form once with every text field poisoned, once with every field an absurd number.
    for role, action in first_role.values():
        form = forms[(role, action)]
        names = [n for n, s in form["fields"].items() if s["kind"] not in ("file", "hidden")]
        attempt(role, form, {n: "正常\x00内容\x1b" for n in names}, {})
        attempt(role, form, {n: "1e309" for n in names}, {})
        attempt(role, form, {n: "99999999999999999999999" for n in names}, {})
    assert problems == [], _summary(problems)

    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(key=st.sampled_from(keys), data=st.data())
    def any_form(key, data):
        form = forms[key]
        names = sorted(form["fields"])
        chosen = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names))) if names else []
        overrides, files = {}, {}
        for name in chosen:
            if form["fields"][name]["kind"] == "file":
                files[name] = (data.draw(st.binary(max_size=64)), data.draw(st.sampled_from(["a.jpg", "b.pdf", "\x00.png"])))
            else:
                overrides[name] = data.draw(hostile_value)
        attempt(key[0], form, overrides, files)

    any_form()
    assert problems == [], _summary(problems)


def _hostile_queries(clients, urls):
    pages = [u for u in urls if "export" not in u] + [u for u in urls if "export" in u][:4]
    problems = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(role=st.sampled_from(sorted(clients, key=str)), url=st.sampled_from(pages),
           query=st.dictionaries(st.sampled_from(QUERY_KEYS), hostile_value, max_size=4))
    def any_query(role, url, query):
        try:
            response = clients[role].get(url + "?" + urlencode(query))
        except Exception as exc:
            problems.append((role, url, query, repr(exc)[:300]))
            return
        if response.status_code >= 500:
            problems.append((role, url, query, response.status_code))
        response.close()

    for key in QUERY_KEYS:  # every parameter at least once with the values that broke pages
        for value in ("99999999999999999999999", "1e309", "NaN"):
            for url in ("/needs/", "/projects/", "/organizations/", "/lists", "/projects/export.csv"):
                try:
                    response = clients["admin"].get(url + "?" + urlencode({key: value}))
                except Exception as exc:
                    problems.append(("admin", url, key, value, repr(exc)[:300]))
                    continue
                if response.status_code >= 500:
                    problems.append(("admin", url, key, value, response.status_code))
    any_query()
    assert problems == [], _summary(problems)


def _summary(problems) -> str:
    """One line per (page, error), with one of the inputs that caused it."""
    seen = {}
    for problem in problems:
        seen.setdefault((problem[1], problem[-1]), problem)
    return "\n".join(f"{p[0]} {p[1]} {str(p[2:-1])[:200]} -> {p[-1]}" for p in seen.values())
