"""统一社会信用代码 (unified social credit code), GB 32100-2015.

18 characters from a 31-character alphabet (digits and capitals without I, O, S, V, Z):
1 registration authority (5 = civil affairs, i.e. social organizations), 2 type,
3–8 administrative division, 9–17 organization code, 18 check character.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize(code: str) -> str:
    return (code or "").strip().upper().replace(" ", "")


def problems(code: str, expected_type_char: str | None = None) -> list[object]:
    """Every reason `code` is not a valid social organization's code (empty when valid)."""
    code = normalize(code)
    if len(code) != 18:
        return [_l("The code must be 18 characters long (it has %(n)s).", n=len(code))]
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        return [_l("The code contains characters that are not allowed: %(chars)s "
                   "(I, O, S, V and Z are never used).", chars=" ".join(bad))]
    if not code[2:8].isdigit():
        return [_l("Characters 3–8 must be the digits of an administrative division.")]
    if check_character(code[:17]) != code[17]:
        return [_l("The check character (the last one) does not match; please check the code "
                   "for a typing error.")]
    if code[0] != "5":
        return [_l("A social organization's code starts with 5 (registered with civil affairs).")]
    if expected_type_char and code[1] != expected_type_char:
        return [_l("The second character (%(c)s) does not match the organization type chosen.",
                   c=code[1])]
    return []


def make(first17: str) -> str:
    """Complete a 17-character prefix with its check character (demo data and tests)."""
    return first17 + check_character(first17)
