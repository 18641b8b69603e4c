"""The verifier's core: policy, DCQL, request objects, response processing, decisions, audit.

Pure and typed: storage (sessions, sign counts), the clock, the resolver, the chain and the
status fetcher are passed in. The verifier service (``verifier_service/``) and its CLI call
these functions and render what they return.

- :mod:`passport.verifier.policy`: the onboarding policy (TOML) and its evaluation.
- :mod:`passport.verifier.query`: policy -> DCQL query.
- :mod:`passport.verifier.request`: request objects (signed or ``redirect_uri:``), links,
  ephemeral encryption keys.
- :mod:`passport.verifier.response`: the wallet's response -> a ``Decision`` with its report.
- :mod:`passport.verifier.trust`: accreditation on chain, status lists checked against it.
- :mod:`passport.verifier.sdjwt_vc`: IETF SD-JWT VC (``dc+sd-jwt``) presentations.
- :mod:`passport.verifier.audit`: the hash-chained audit log.
- :mod:`passport.verifier.webhook`: signed decision webhooks.
"""

from passport.verifier.policy import Policy, load_policy, parse_policy
from passport.verifier.query import build_dcql
from passport.verifier.request import AuthorizationRequest, VerifierIdentity, build_request
from passport.verifier.response import (
    Decision,
    DecisionStatus,
    PendingRequest,
    VerifierContext,
    evaluate,
    open_response,
    parse_form,
)

__all__ = [
    "AuthorizationRequest",
    "Decision",
    "DecisionStatus",
    "PendingRequest",
    "Policy",
    "VerifierContext",
    "VerifierIdentity",
    "build_dcql",
    "build_request",
    "evaluate",
    "load_policy",
    "open_response",
    "parse_form",
    "parse_policy",
]
