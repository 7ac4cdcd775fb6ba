"""Validation against the official OCDS 1.1.5 schema (vendored in tests/ocds_schema, no network):
the release schema is resolved through a local `referencing` registry, Draft 4 with format checks on,
and every field bound to a closed codelist is checked against the codelist's CSV."""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path

from jsonschema import Draft4Validator, ValidationError, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMA_DIR = Path(__file__).parent / "ocds_schema"


@cache
def codes(name: str) -> frozenset[str]:
    with open(SCHEMA_DIR / "codelists" / name, newline="", encoding="utf-8") as f:
        return frozenset(row["Code"] for row in csv.DictReader(f))


def _closed_codelist(validator, codelist, instance, schema):
    """The `codelist` keyword of the OCDS schema: a closed codelist admits its CSV's codes only."""
    if schema.get("openCodelist", True) or instance is None:
        return
    for value in instance if isinstance(instance, list) else [instance]:
        if value not in codes(codelist):
            yield ValidationError(f"{value!r} is not in the closed codelist {codelist}")


OCDSValidator = validators.extend(Draft4Validator, {"codelist": _closed_codelist})


@cache
def package_validator() -> Draft4Validator:
    release = json.loads((SCHEMA_DIR / "release-schema.json").read_text(encoding="utf-8"))
    package = json.loads((SCHEMA_DIR / "release-package-schema.json").read_text(encoding="utf-8"))
    registry = Registry().with_resources([
        (release["id"], Resource.from_contents(release, default_specification=DRAFT4)),
        (package["id"], Resource.from_contents(package, default_specification=DRAFT4)),
    ])
    return OCDSValidator(package, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)


def errors(package: dict) -> list[str]:
    """Every schema error of a release package, as readable lines (empty: valid)."""
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
            for e in package_validator().iter_errors(package)]
