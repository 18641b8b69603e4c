"""JSON Schema (draft 2020-12) validation of the project's credential documents.

The schemas ship in ``passport/credentials/schemas/`` (one file a credential type plus
``common.json`` with the VC Data Model 2.0 envelope they share). They are read once and
their compiled validators cached, so validating a credential costs no file I/O.

``validate_credential(doc)`` detects the credential type from ``type`` and validates the
document against that type's schema. With ``partial=True`` (a selectively disclosed
credential, e.g. a verified ``vc+sd-jwt`` payload with only some claims disclosed) the
subject's claims other than ``id`` are not required, but every claim present must still
have the right shape.

Error codes: ``schema_invalid`` and ``credential_type_unknown`` (MalformedError).
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping
from datetime import date, datetime
from importlib import resources
from typing import Any, Final
from urllib.parse import urljoin

import jsonschema
from jsonschema.exceptions import best_match

from passport.credentials.types import CREDENTIAL_TYPE_REGISTRY
from passport.errors import MalformedError

__all__ = [
    "BANK_STATEMENT_CREDENTIAL",
    "CREDENTIAL_TYPES",
    "FIDO_KEY_BINDING_CREDENTIAL",
    "KYC_CREDENTIAL",
    "STATUS_LIST_CREDENTIAL",
    "detect_credential_type",
    "load_schema",
    "subject_claim_names",
    "validate_credential",
]

KYC_CREDENTIAL: Final = "KYCCredential"
BANK_STATEMENT_CREDENTIAL: Final = "BankStatementCredential"
FIDO_KEY_BINDING_CREDENTIAL: Final = "FidoKeyBindingCredential"
STATUS_LIST_CREDENTIAL: Final = "BitstringStatusListCredential"

#: Credential type -> schema file in ``passport/credentials/schemas/``.
#: (From the one registry, ``passport.credentials.types``.)
_SCHEMA_FILES: Final[dict[str, str]] = {
    t.name: t.schema_file for t in CREDENTIAL_TYPE_REGISTRY.values()
}
CREDENTIAL_TYPES: Final[tuple[str, ...]] = tuple(_SCHEMA_FILES)
_COMMON_FILE: Final = "common.json"


def _read(filename: str) -> dict[str, Any]:
    text = resources.files("passport.credentials").joinpath("schemas", filename).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@functools.cache
def _schemas() -> dict[str, dict[str, Any]]:
    return {name: _read(name) for name in (_COMMON_FILE, *_SCHEMA_FILES.values())}


def _inline(node: Any, base: str, by_id: Mapping[str, Any]) -> Any:
    """``node`` with every ``$ref`` replaced by a copy of its (inlined) target.

    Our schemas are acyclic, so the result needs no reference resolution when validating:
    that lookup was most of the validation time.
    """
    if isinstance(node, list):
        return [_inline(item, base, by_id) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _inline(v, base, by_id) for k, v in node.items() if k != "$ref"}
    ref = node.get("$ref")
    if ref is None:
        return out
    target_uri, _, pointer = urljoin(base, ref).partition("#")
    resolved: Any = by_id[target_uri]
    for token in filter(None, pointer.split("/")):  # JSON Pointer (RFC 6901)
        resolved = resolved[token.replace("~1", "/").replace("~0", "~")]
    target = _inline(resolved, target_uri, by_id)
    if not out:
        return target
    return {**out, "allOf": [*out.get("allOf", []), target]}


def _check_date(value: object) -> bool:
    if not isinstance(value, str):
        return True  # "format" only constrains strings
    date.fromisoformat(value)
    return True


def _check_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.tzinfo is not None


@functools.cache
def _format_checker() -> jsonschema.FormatChecker:
    # Only the formats the schemas use, with calendar checks the patterns cannot express
    # (no month 13, no February 30).
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("date", raises=ValueError)(_check_date)
    checker.checks("date-time", raises=ValueError)(_check_datetime)
    return checker


@functools.cache
def _inlined(credential_type: str, partial: bool) -> dict[str, Any]:
    schema = copy.deepcopy(_schemas()[_SCHEMA_FILES[credential_type]])
    if partial and credential_type != STATUS_LIST_CREDENTIAL:
        schema["$defs"]["credentialSubject"]["required"] = ["id"]
    by_id = {doc["$id"]: doc for doc in _schemas().values()}
    by_id[schema["$id"]] = schema
    inlined: dict[str, Any] = _inline(schema, schema["$id"], by_id)
    inlined.pop("$defs", None)
    return inlined


def subject_claim_names(credential_type: str) -> tuple[str, ...]:
    """The ``credentialSubject`` members the type's JSON Schema defines, in schema order."""
    subject = _schemas()[_SCHEMA_FILES[credential_type]]["$defs"]["credentialSubject"]
    return tuple(subject.get("properties", {}))


@functools.cache
def _validator(credential_type: str, partial: bool) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        _inlined(credential_type, partial), format_checker=_format_checker()
    )


def _format_ok(check: Any) -> Any:
    def ok(value: object) -> bool:
        try:
            return bool(check(value))
        except ValueError:
            return False

    return ok


@functools.cache
def _fast_validator(credential_type: str, partial: bool) -> Any:
    """The same inlined schema compiled by jsonschema-rs, once: it answers "valid?" about
    twenty times faster than ``jsonschema``. It is never more lenient (same formats, and
    Rust's regex ``$`` is stricter than Python's), so a "valid" from it is final; on "invalid"
    the Python validator finds the error to report (and has the last word)."""
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(
        _inlined(credential_type, partial),
        formats={"date": _format_ok(_check_date), "date-time": _format_ok(_check_datetime)},
        validate_formats=True,
    )


def load_schema(credential_type: str) -> dict[str, Any]:
    """A copy of the JSON Schema of ``credential_type`` (e.g. to publish it).

    Raises MalformedError ``credential_type_unknown``.
    """
    if credential_type not in _SCHEMA_FILES:
        raise _unknown_type(credential_type)
    return copy.deepcopy(_schemas()[_SCHEMA_FILES[credential_type]])


def _unknown_type(found: object) -> MalformedError:
    return MalformedError(
        "credential_type_unknown",
        f"The credential's type {found!r} names none of the supported credential types "
        f"({', '.join(CREDENTIAL_TYPES)}); this library cannot validate it.",
        details={"type": found},
    )


def _invalid(path: str, message: str) -> MalformedError:
    return MalformedError(
        "schema_invalid",
        f"{path}: {message}",
        details={"path": path},
    )


def detect_credential_type(doc: Mapping[str, Any]) -> str:
    """The project credential type named in ``doc["type"]``.

    Raises MalformedError ``schema_invalid`` (not an object, ``type`` not a list of strings
    containing ``VerifiableCredential``) or ``credential_type_unknown`` (no supported type,
    or more than one).
    """
    if not isinstance(doc, Mapping):
        raise _invalid("$", "a credential must be a JSON object")
    types = doc.get("type")
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise _invalid("$.type", "type must be an array of strings")
    if "VerifiableCredential" not in types:
        raise _invalid("$.type", "type must include 'VerifiableCredential' (VC 2.0 section 4.5)")
    known: list[str] = sorted({t for t in types if t in _SCHEMA_FILES})
    if len(known) != 1:
        raise _unknown_type(types)
    return known[0]


def validate_credential(doc: Mapping[str, Any], *, partial: bool = False) -> str:
    """Validate ``doc`` against the JSON Schema of its type and return that type.

    VC Data Model 2.0 sections 4.1-4.10 as profiled by the project: ``@context`` starts
    with the VC 2.0 context, ``validUntil`` and ``credentialStatus`` are required (except
    for status list credentials), ``credentialSubject.id`` is the holder's DID, and
    ``validUntil`` is after ``validFrom``.

    Raises MalformedError ``schema_invalid`` (the message starts with the JSON path of the
    failing value, also in ``details["path"]``) or ``credential_type_unknown``. Both
    validators are compiled once per type and reused.
    """
    credential_type = detect_credential_type(doc)
    if not _fast_validator(credential_type, partial).is_valid(doc):
        error = best_match(_validator(credential_type, partial).iter_errors(doc))
        if error is not None:
            raise _invalid(error.json_path, error.message)
    valid_from, valid_until = doc.get("validFrom"), doc.get("validUntil")
    if isinstance(valid_from, str) and isinstance(valid_until, str):
        start = datetime.fromisoformat(valid_from.replace("Z", "+00:00"))
        end = datetime.fromisoformat(valid_until.replace("Z", "+00:00"))
        if end <= start:
            raise _invalid("$.validUntil", "validUntil must be later than validFrom")
    return credential_type
