"""Digital Financial Passport: the core library.

Bank-issued W3C verifiable credentials (SD-JWT, Data Integrity, legacy VC 1.1), DIDs, status
lists and the one verification pipeline. No HTTP server or CLI code lives here; services and
CLIs call these functions. Everything that varies (resolver, clock, status source) is passed in.

The names below are imported on first use (PEP 562), so ``import passport.errors`` or a CLI's
``--help`` does not pay for web3, pyld or httpx. The pipeline is ``passport.verify.verify``
(``passport.verify`` is its module).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from passport.did import default_resolver
    from passport.did.document import DidDocument, VerificationMethod
    from passport.did.resolver import CachingResolver, resolve_method
    from passport.errors import (
        ConfigurationError,
        CouldNotCheckError,
        MalformedError,
        PassportError,
        VerdictError,
    )
    from passport.keys import KeyType, PrivateKey, PublicKey
    from passport.ports import Clock, FixedClock, Resolver, StatusFetcher, SystemClock
    from passport.report import Check, Outcome, ReportStatus, VerificationReport
    from passport.securing import IssueFormat, issue, present
    from passport.verify import Format, VerifyOptions, detect_format

_EXPORTS: dict[str, str] = {
    "CachingResolver": "passport.did.resolver",
    "Check": "passport.report",
    "Clock": "passport.ports",
    "ConfigurationError": "passport.errors",
    "CouldNotCheckError": "passport.errors",
    "DidDocument": "passport.did.document",
    "FixedClock": "passport.ports",
    "Format": "passport.verify",
    "IssueFormat": "passport.securing",
    "KeyType": "passport.keys",
    "MalformedError": "passport.errors",
    "Outcome": "passport.report",
    "PassportError": "passport.errors",
    "PrivateKey": "passport.keys",
    "PublicKey": "passport.keys",
    "ReportStatus": "passport.report",
    "Resolver": "passport.ports",
    "StatusFetcher": "passport.ports",
    "SystemClock": "passport.ports",
    "VerdictError": "passport.errors",
    "VerificationMethod": "passport.did.document",
    "VerificationReport": "passport.report",
    "VerifyOptions": "passport.verify",
    "default_resolver": "passport.did",
    "detect_format": "passport.verify",
    "issue": "passport.securing",
    "present": "passport.securing",
    "resolve_method": "passport.did.resolver",
}

__all__ = [
    "CachingResolver",
    "Check",
    "Clock",
    "ConfigurationError",
    "CouldNotCheckError",
    "DidDocument",
    "FixedClock",
    "Format",
    "IssueFormat",
    "KeyType",
    "MalformedError",
    "Outcome",
    "PassportError",
    "PrivateKey",
    "PublicKey",
    "ReportStatus",
    "Resolver",
    "StatusFetcher",
    "SystemClock",
    "VerdictError",
    "VerificationMethod",
    "VerificationReport",
    "VerifyOptions",
    "default_resolver",
    "detect_format",
    "issue",
    "present",
    "resolve_method",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'passport' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
