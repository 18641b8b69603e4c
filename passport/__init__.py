"""Digital Financial Passport: the core library.

Bank-issued W3C verifiable credentials (SD-JWT, Data Integrity, legacy VC 1.1), DIDs, status
lists and the one verification pipeline. No HTTP server or CLI code lives here; services and
CLIs call these functions. Everything that varies (resolver, clock, status source) is passed in.
"""

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
from passport.verify import Format, VerifyOptions, detect_format, verify

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
    "verify",
]
