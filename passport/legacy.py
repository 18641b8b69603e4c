"""Legacy credentials: W3C VC Data Model 1.1 secured with Ed25519Signature2020, through didkit.

Older ecosystems (Open Badges 3.0 pilots, JFF plug-fests, DCC wallets) issue VC 1.1
credentials with ``Ed25519Signature2020`` Linked Data proofs (W3C CCG "Ed25519 Signature
2020", URDNA2015 canonicalization). We do not reimplement that suite: didkit 0.3.3 (spruceid,
archived upstream) signs and verifies it. This module wraps it so that:

- the API is synchronous (didkit's functions are coroutines bound to a running event loop;
  every call here runs on one long-lived event loop in a dedicated daemon thread, so it also
  works from inside a running loop such as a FastAPI handler);
- didkit never goes to the network unless the caller allows a networked DID method
  (``did_methods``; default ``did:key`` and ``did:jwk`` only, which didkit resolves offline);
- what didkit does NOT check is checked here: ``expirationDate`` / ``issuanceDate`` against
  ``now`` (didkit 0.3.3 ignores both), that the proof's signer is the issuer / the holder,
  the challenge and domain (before didkit, to report them precisely), every credential
  embedded in a presentation (didkit's ``verify_presentation`` checks only the holder's
  proof), and holder binding (``credentialSubject.id`` equals the presentation's holder);
- didkit's error strings become the library's stable codes.

Only JSON-LD contexts that didkit ships are usable (VC v1, examples v1, security v1/v2,
ed25519-2020, status-list-2021, JFF plug-fest 1, OB v3p0 ``context.json``, ...): didkit does not
fetch remote contexts. A credential with another context raises ``jsonld_context_unknown``.

Error codes:
``legacy_malformed``, ``did_invalid``, ``jsonld_context_unknown`` (MalformedError);
``signature_invalid``, ``key_not_authorized``, ``proof_type_unsupported``,
``proof_purpose_mismatch``, ``issuer_mismatch``, ``expired``, ``not_yet_valid``,
``challenge_mismatch``, ``domain_mismatch``, ``holder_binding_failed`` (VerdictError);
``did_method_unsupported``, ``did_resolution_failed`` (CouldNotCheckError);
``unsupported_key_type``, ``key_mismatch`` (ConfigurationError).
"""

from __future__ import annotations

import asyncio
import atexit
import hmac
import json
import threading
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from passport.credentials.fields import check_validity, format_datetime, parse_datetime
from passport.errors import (
    ConfigurationError,
    CouldNotCheckError,
    MalformedError,
    PassportError,
    VerdictError,
)
from passport.keys import KeyType, PrivateKey

__all__ = [
    "CREDENTIALS_V1_CONTEXT",
    "ED25519_2020_CONTEXT",
    "OFFLINE_DID_METHODS",
    "PROOF_TYPE",
    "LegacyPresentationVerified",
    "LegacyVerified",
    "issue_credential",
    "issue_presentation",
    "verify_credential",
    "verify_credentials",
    "verify_presentation",
]

CREDENTIALS_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
PROOF_TYPE = "Ed25519Signature2020"
#: DID methods didkit resolves without any I/O. Anything else (web, pkh, ...) must be allowed
#: explicitly; ``did:ethr`` through didkit ignores the on-chain registry, so never allow it here.
OFFLINE_DID_METHODS: frozenset[str] = frozenset({"key", "jwk"})
_DEFAULT_TIMEOUT = 30.0
_EXIT_GRACE = 0.05  # seconds; see _LoopThread.close

T = TypeVar("T")


@dataclass(frozen=True)
class LegacyVerified:
    """A VC 1.1 credential whose proof, signer and validity period were checked."""

    issuer: str
    verification_method: str
    subject: str | None
    credential: Mapping[str, Any]


@dataclass(frozen=True)
class LegacyPresentationVerified:
    """A VC 1.1 presentation: the holder's proof and every embedded credential were checked."""

    holder: str
    verification_method: str
    credentials: tuple[LegacyVerified, ...]


# --------------------------------------------------------------------------- event loop


class _LoopThread:
    """One event loop in one daemon thread, started on first use, closed at exit.

    didkit (pyo3-asyncio) binds each call to the running loop of the thread that creates the
    coroutine and hands the work to its tokio runtime; the loop only waits. One long-lived
    loop avoids creating a loop per call, and works whether or not the caller's thread
    already runs a loop (``asyncio.run`` / ``run_until_complete`` refuse to nest).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="passport-didkit-loop", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
                atexit.register(self.close)
            return self._loop

    def run(self, factory: Callable[[], Awaitable[T]], timeout: float) -> T:
        loop = self._start()
        if threading.current_thread() is self._thread:
            raise RuntimeError("passport.legacy called from its own event loop thread")

        async def main() -> T:
            return await factory()

        future = asyncio.run_coroutine_threadsafe(main(), loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def close(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        if not thread.is_alive():
            loop.close()
        # didkit 0.3.3's tokio workers release the GIL a moment after handing back a result;
        # if the interpreter is finalizing by then, the process aborts ("PyGILState_Release:
        # thread state must be current", exit 134/139: 5 runs in 100 measured, also with plain
        # asyncio.run).
        # Giving them this moment before finalization avoids it (0 in 200 runs measured).
        time.sleep(_EXIT_GRACE)


_RUNNER = _LoopThread()


def _didkit() -> Any:
    import didkit  # deferred: a native module the CLIs should not load for --help

    return didkit


def _run(factory: Callable[[], Awaitable[T]], timeout: float) -> T:
    try:
        return _RUNNER.run(factory, timeout)
    except TimeoutError as exc:
        raise CouldNotCheckError(
            "did_resolution_failed",
            f"didkit did not answer within {timeout:g} s (DID resolution is the only step "
            "that waits). Retry, or check the network path to the DID's host.",
        ) from exc


# --------------------------------------------------------------------------- helpers


def _malformed(message: str, **details: Any) -> MalformedError:
    return MalformedError("legacy_malformed", message, details=details)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _did_of(did_url: str) -> str:
    return did_url.split("#", 1)[0].split("?", 1)[0]


def _did_method(did: str) -> str:
    parts = did.split(":", 2)
    if len(parts) < 3 or parts[0] != "did" or not parts[1] or not parts[2]:
        raise MalformedError("did_invalid", f"{did!r} is not a DID.", details={"did": did})
    return parts[1]


def _utc_now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ConfigurationError("naive_datetime", "Pass `now` as a timezone-aware datetime.")
    return now


def _parse_date(value: Any, field_name: str) -> datetime:
    # xsd:dateTime without offset: VC 1.1 examples mean UTC
    return parse_datetime(value, field_name, code="legacy_malformed")


def _xsd(moment: datetime) -> str:
    return format_datetime(moment)


def _check_methods(vm: str, did_methods: Collection[str]) -> None:
    method = _did_method(_did_of(vm))
    if method not in did_methods:
        raise CouldNotCheckError(
            "did_method_unsupported",
            f"The proof's key is a did:{method} key; resolving it is not allowed here "
            f"(allowed: {', '.join(sorted(did_methods))}). Add the method to `did_methods` "
            "if resolving it through didkit is acceptable.",
            details={"verification_method": vm, "method": method},
        )


def _single_proof(doc: Mapping[str, Any], what: str) -> dict[str, Any]:
    proof = doc.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict):
        raise _malformed(f"The {what} has no proof, or more than one; one proof is supported.")
    if proof.get("type") != PROOF_TYPE:
        raise VerdictError(
            "proof_type_unsupported",
            f"The {what}'s proof is {proof.get('type')!r}; only {PROOF_TYPE} is accepted "
            "for VC 1.1 documents.",
            details={"proof_type": proof.get("type")},
        )
    vm = proof.get("verificationMethod")
    if not isinstance(vm, str) or not vm:
        raise _malformed(f"The {what}'s proof has no verificationMethod.")
    return proof


def _check_v1_shape(doc: Any, type_name: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise _malformed(f"A VC 1.1 {type_name} is a JSON object.")
    contexts = _as_list(doc.get("@context"))
    if not contexts or contexts[0] != CREDENTIALS_V1_CONTEXT:
        raise _malformed(
            f"A VC 1.1 {type_name} starts its @context with {CREDENTIALS_V1_CONTEXT}.",
        )
    if type_name not in _as_list(doc.get("type")):
        raise _malformed(f"The document's type does not include {type_name}.")
    return doc


def _issuer_id(credential: Mapping[str, Any]) -> str:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    if not isinstance(issuer, str) or not issuer:
        raise _malformed("The credential has no issuer (a string, or an object with an id).")
    return issuer


def _subject_ids(credential: Mapping[str, Any]) -> list[str | None]:
    subjects = _as_list(credential.get("credentialSubject"))
    return [s.get("id") if isinstance(s, dict) else None for s in subjects]


def _didkit_error(message: str, offline: bool) -> PassportError:
    """Map one of didkit's error strings (or exception texts) to our codes.

    ``offline``: the signer's DID method resolves without I/O (did:key, did:jwk), so a
    resolution failure means the DID itself is broken, not that a host was unreachable.
    """
    details = {"didkit": message}
    lowered = message.lower()
    if "unknown context" in lowered:
        return MalformedError(
            "jsonld_context_unknown",
            "The document uses a JSON-LD context that didkit does not ship and will not "
            "fetch; it cannot be canonicalized, so its proof cannot be checked.",
            details=details,
        )
    if "unable to resolve" in lowered:
        if offline:
            return MalformedError(
                "did_invalid", "The proof's DID cannot be decoded.", details=details
            )
        return CouldNotCheckError(
            "did_resolution_failed",
            "didkit could not resolve the signer's DID; retry later or check the DID's host.",
            details=details,
        )
    if "signature" in lowered:
        return VerdictError(
            "signature_invalid",
            "The proof's signature does not verify: the document was changed after signing, "
            "or was signed with another key.",
            details=details,
        )
    if "expired" in lowered:
        return VerdictError("expired", "The credential has expired.", details=details)
    if "no applicable proof" in lowered:
        return VerdictError(
            "key_not_authorized",
            "The proof's verification method is not listed for this proof purpose in the "
            "signer's DID document.",
            details=details,
        )
    if "expansion failed" in lowered or "missing" in lowered or "invalid" in lowered:
        return _malformed(
            "didkit cannot process this document as JSON-LD (an undefined term or a bad value).",
            **details,
        )
    return VerdictError(
        "signature_invalid",
        "The proof does not verify.",
        details=details,
    )


def _outcome(raw: str | BaseException, vm: str) -> PassportError | None:
    """None when didkit verified; else the mapped error."""
    offline = _did_method(_did_of(vm)) in OFFLINE_DID_METHODS
    if isinstance(raw, BaseException):
        return _didkit_error(str(raw), offline)
    result = json.loads(raw)
    errors = result.get("errors") or []
    if errors:
        return _didkit_error(str(errors[0]), offline)
    if "proof" not in (result.get("checks") or []):
        return VerdictError("signature_invalid", "didkit checked no proof.", details=result)
    return None


# --------------------------------------------------------------------------- credentials


@dataclass(frozen=True)
class _PreparedCredential:
    credential: dict[str, Any]
    issuer: str
    verification_method: str
    text: str


def _prepare_credential(vc: Any, did_methods: Collection[str]) -> _PreparedCredential:
    credential = _check_v1_shape(vc, "VerifiableCredential")
    issuer = _issuer_id(credential)
    proof = _single_proof(credential, "credential")
    if proof.get("proofPurpose") != "assertionMethod":
        raise VerdictError(
            "proof_purpose_mismatch",
            "A credential's proof must have proofPurpose assertionMethod.",
            details={"proof_purpose": proof.get("proofPurpose")},
        )
    vm: str = proof["verificationMethod"]
    if _did_of(vm) != issuer:
        raise VerdictError(
            "issuer_mismatch",
            "The credential was signed by a key of another DID than its issuer.",
            details={"issuer": issuer, "verification_method": vm},
        )
    _check_methods(vm, did_methods)
    for key in ("issuanceDate", "expirationDate"):
        if key in credential:
            _parse_date(credential[key], key)  # malformed dates fail before the crypto
    if "issuanceDate" not in credential:
        raise _malformed("A VC 1.1 credential has an issuanceDate.")
    return _PreparedCredential(credential, issuer, vm, json.dumps(credential))


def _finish_credential(
    prepared: _PreparedCredential, now: datetime | None, clock_skew: int = 0
) -> LegacyVerified:
    """The credential's validity period (unless ``now`` is None: the caller checks it)."""
    credential = prepared.credential
    if now is not None:
        check_validity(credential, now, skew=clock_skew, date_code="legacy_malformed")
    subjects = _subject_ids(credential)
    subject = subjects[0] if len(subjects) == 1 else None
    return LegacyVerified(prepared.issuer, prepared.verification_method, subject, credential)


async def _gather_verify_credentials(texts: Sequence[str]) -> list[str | BaseException]:
    dk = _didkit()
    options = json.dumps({"proofPurpose": "assertionMethod"})
    # didkit's futures run on its tokio thread pool: gathering them uses every core.
    results: list[str | BaseException] = await asyncio.gather(
        *(dk.verify_credential(text, options) for text in texts), return_exceptions=True
    )
    return results


def verify_credential(
    vc: Any,
    *,
    now: datetime | None = None,
    did_methods: Collection[str] = OFFLINE_DID_METHODS,
    timeout: float = _DEFAULT_TIMEOUT,
    check_dates: bool = True,
    clock_skew: int = 0,
) -> LegacyVerified:
    """Verify a VC 1.1 credential with one Ed25519Signature2020 proof (VC Data Model 1.1
    section 4.7 proofs, 4.8 expiration; Ed25519Signature2020 "Verify Proof").

    Steps: the shape (``@context`` starts with the v1 context, ``type`` has
    VerifiableCredential, an issuer, an issuanceDate, one proof); the proof type and purpose
    (assertionMethod); the proof's key belongs to the issuer's DID; the DID method is in
    ``did_methods``; didkit verifies the proof (resolving the DID itself); then
    ``issuanceDate <= now < expirationDate`` (``passport.credentials.fields.check_validity``
    with ``clock_skew``; skipped with ``check_dates=False`` when the caller checks the period).

    Raises MalformedError ``legacy_malformed``, ``did_invalid``; VerdictError
    ``signature_invalid``, ``key_not_authorized``, ``proof_type_unsupported``,
    ``proof_purpose_mismatch``, ``issuer_mismatch``, ``expired``, ``not_yet_valid``;
    CouldNotCheckError ``did_method_unsupported``, ``did_resolution_failed``,
    ``jsonld_context_unknown``.
    """
    result = verify_credentials(
        [vc],
        now=now,
        did_methods=did_methods,
        timeout=timeout,
        check_dates=check_dates,
        clock_skew=clock_skew,
    )[0]
    if isinstance(result, PassportError):
        raise result
    return result


def verify_credentials(
    vcs: Sequence[Any],
    *,
    now: datetime | None = None,
    did_methods: Collection[str] = OFFLINE_DID_METHODS,
    timeout: float = _DEFAULT_TIMEOUT,
    check_dates: bool = True,
    clock_skew: int = 0,
) -> list[LegacyVerified | PassportError]:
    """Verify many credentials at once, concurrently on didkit's thread pool (the fast path
    for batches: about twice the one-by-one rate on two cores).

    Returns, in order, a ``LegacyVerified`` or the error ``verify_credential`` would raise
    for each credential; it raises nothing itself except a CouldNotCheckError
    ``did_resolution_failed`` when didkit does not answer within ``timeout`` seconds.
    """
    at = _utc_now(now)
    methods = frozenset(did_methods)
    results: list[LegacyVerified | PassportError | None] = []
    prepared: list[tuple[int, _PreparedCredential]] = []
    for index, vc in enumerate(vcs):
        try:
            prepared.append((index, _prepare_credential(vc, methods)))
            results.append(None)
        except PassportError as exc:
            results.append(exc)
    if prepared:
        texts = [item.text for _, item in prepared]
        raws = _run(lambda: _gather_verify_credentials(texts), timeout)
        for (index, item), raw in zip(prepared, raws, strict=True):
            error = _outcome(raw, item.verification_method)
            try:
                if error is not None:
                    raise error
                results[index] = _finish_credential(
                    item, at if check_dates else None, clock_skew
                )
            except PassportError as exc:
                results[index] = exc
    return [r for r in results if r is not None]


def _key_dids(key: PrivateKey) -> tuple[str, str, str]:
    """(did:key, its verification method, did:jwk) of an Ed25519 key, and its JWK text."""
    if key.type is not KeyType.ED25519:
        raise ConfigurationError(
            "unsupported_key_type",
            f"{PROOF_TYPE} signs with Ed25519 keys only; this key is {key.type.value}.",
        )
    jwk = json.dumps(key.to_jwk())
    dk = _didkit()
    did = str(dk.key_to_did("key", jwk))
    return jwk, f"{did}#{did.removeprefix('did:key:')}", str(dk.key_to_did("jwk", jwk))


def _signer(
    key: PrivateKey, verification_method: str | None, controller: str | None, role: str
) -> tuple[str, str, str]:
    """(jwk, vm, did) after checking that vm and controller belong to ``key``."""
    jwk, key_vm, jwk_did = _key_dids(key)
    vm = verification_method or key_vm
    vm_did = _did_of(vm)
    allowed = {_did_of(key_vm): key_vm, jwk_did: f"{jwk_did}#0"}
    if allowed.get(vm_did) != vm:
        raise ConfigurationError(
            "key_mismatch",
            f"{vm} is not this key's did:key or did:jwk verification method.",
            details={"verification_method": vm},
        )
    if controller is not None and controller != vm_did:
        raise ConfigurationError(
            "key_mismatch",
            f"The {role} {controller} is not the DID of the signing key ({vm_did}).",
            details={role: controller, "verification_method": vm},
        )
    return jwk, vm, vm_did


def _with_suite_context(doc: dict[str, Any]) -> dict[str, Any]:
    # digitalbazaar's verifiers require the suite context in the document itself.
    contexts = _as_list(doc.get("@context", CREDENTIALS_V1_CONTEXT))
    if ED25519_2020_CONTEXT not in contexts:
        contexts = [*contexts, ED25519_2020_CONTEXT]
    return {**doc, "@context": contexts}


def _proof_options(purpose: str, vm: str, now: datetime, **extra: str | None) -> str:
    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "proofPurpose": purpose,
        "verificationMethod": vm,
        "created": _xsd(now),
    }
    options.update({k: v for k, v in extra.items() if v is not None})
    return json.dumps(options)


def issue_credential(
    credential: Mapping[str, Any],
    key: PrivateKey,
    verification_method: str | None = None,
    proof_purpose: str = "assertionMethod",
    *,
    now: datetime | None = None,
    timeout: float = _DEFAULT_TIMEOUT,
) -> dict[str, Any]:
    """Sign a VC 1.1 credential with an Ed25519Signature2020 proof (W3C CCG Ed25519
    Signature 2020, "Add Proof"), through didkit.

    ``credential`` is not modified. The result adds the ed25519-2020 context when missing,
    the issuer (the key's did:key) and ``issuanceDate`` (``now``) when missing, and the
    proof. ``verification_method`` defaults to the key's did:key method; it may also be the
    key's did:jwk method (``did:jwk:...#0``). Nothing here touches the network.

    Raises ConfigurationError ``unsupported_key_type`` (not Ed25519), ``key_mismatch`` (the
    method or the issuer is not the key's); MalformedError ``legacy_malformed`` (not a VC 1.1
    credential, or a term that no context defines); CouldNotCheckError
    ``jsonld_context_unknown`` (a context didkit does not ship).
    """
    at = _utc_now(now)
    if not isinstance(credential, Mapping):
        raise _malformed("A VC 1.1 credential is a JSON object.")
    issuer_id = _issuer_id(credential) if "issuer" in credential else None
    jwk, vm, vm_did = _signer(key, verification_method, issuer_id, "issuer")
    doc = _with_suite_context(dict(credential))
    doc.setdefault("issuer", vm_did)
    doc.setdefault("issuanceDate", _xsd(at))
    _check_v1_shape(doc, "VerifiableCredential")
    for key_name in ("issuanceDate", "expirationDate"):
        if key_name in doc:
            _parse_date(doc[key_name], key_name)
    text, options = json.dumps(doc), _proof_options(proof_purpose, vm, at)

    async def sign() -> str:
        return str(await _didkit().issue_credential(text, options, jwk))

    return _sign(sign, timeout)


def _sign(factory: Callable[[], Awaitable[str]], timeout: float) -> dict[str, Any]:
    try:
        signed = _run(factory, timeout)
    except PassportError:
        raise
    except Exception as exc:  # didkit raises ValueError / DIDKitException with prose
        raise _didkit_error(str(exc), offline=True) from exc
    result: dict[str, Any] = json.loads(signed)
    return result


# --------------------------------------------------------------------------- presentations


def issue_presentation(
    credentials: Sequence[Mapping[str, Any]],
    key: PrivateKey,
    *,
    holder: str,
    challenge: str,
    domain: str | None,
    verification_method: str | None = None,
    now: datetime | None = None,
    timeout: float = _DEFAULT_TIMEOUT,
) -> dict[str, Any]:
    """Wrap ``credentials`` in a VC 1.1 presentation signed by the holder's key
    (Ed25519Signature2020, proofPurpose authentication, with the verifier's ``challenge``
    and ``domain``; VC Data Model 1.1 section 4.10 presentations).

    Raises ConfigurationError ``unsupported_key_type``, ``key_mismatch`` (``holder`` is not
    the key's DID); MalformedError ``legacy_malformed``.
    """
    at = _utc_now(now)
    if not isinstance(challenge, str) or not challenge:
        raise ConfigurationError(
            "challenge_missing", "A presentation needs the verifier's challenge."
        )
    jwk, vm, _ = _signer(key, verification_method, holder, "holder")
    vp = {
        "@context": [CREDENTIALS_V1_CONTEXT, ED25519_2020_CONTEXT],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [dict(c) for c in credentials],
    }
    text = json.dumps(vp)
    options = _proof_options("authentication", vm, at, challenge=challenge, domain=domain)

    async def sign() -> str:
        return str(await _didkit().issue_presentation(text, options, jwk))

    return _sign(sign, timeout)


async def _gather_verify_presentation(
    vp_text: str, vp_options: str, texts: Sequence[str]
) -> list[str | BaseException]:
    dk = _didkit()
    cred_options = json.dumps({"proofPurpose": "assertionMethod"})
    results: list[str | BaseException] = await asyncio.gather(
        dk.verify_presentation(vp_text, vp_options),
        *(dk.verify_credential(text, cred_options) for text in texts),
        return_exceptions=True,
    )
    return results


def _same(expected: str, actual: Any) -> bool:
    return isinstance(actual, str) and hmac.compare_digest(expected.encode(), actual.encode())


def verify_presentation(
    vp: Any,
    *,
    challenge: str,
    domain: str | None,
    now: datetime | None = None,
    did_methods: Collection[str] = OFFLINE_DID_METHODS,
    timeout: float = _DEFAULT_TIMEOUT,
    check_dates: bool = True,
    clock_skew: int = 0,
    check_credentials: bool = True,
) -> LegacyPresentationVerified:
    """Verify a VC 1.1 presentation: the holder's Ed25519Signature2020 proof (purpose
    authentication, the expected ``challenge``, and ``domain`` when given), EVERY embedded
    credential as ``verify_credential`` does, and holder binding (each credential's
    ``credentialSubject.id`` is the presentation's ``holder``, whose key signed it).

    didkit's own ``verify_presentation`` checks only the holder's proof, so a credential
    altered inside a freshly signed presentation passes it; here it fails
    ``signature_invalid`` with ``details["credential_index"]``. A presentation without
    credentials (DID Auth) verifies with ``credentials == ()``. With
    ``check_credentials=False`` only the holder's proof is checked (the caller verifies each
    credential itself, as the pipeline does, so that each gets its own report).

    Raises MalformedError ``legacy_malformed``, ``did_invalid``; VerdictError
    ``challenge_mismatch``, ``domain_mismatch``, ``holder_binding_failed`` and every
    ``verify_credential`` verdict (for a credential, ``details["credential_index"]`` says
    which); CouldNotCheckError ``did_method_unsupported``, ``did_resolution_failed``,
    ``jsonld_context_unknown``.
    """
    at = _utc_now(now)
    methods = frozenset(did_methods)
    presentation = _check_v1_shape(vp, "VerifiablePresentation")
    proof = _single_proof(presentation, "presentation")
    if proof.get("proofPurpose") != "authentication":
        raise VerdictError(
            "proof_purpose_mismatch",
            "A presentation's proof must have proofPurpose authentication.",
            details={"proof_purpose": proof.get("proofPurpose")},
        )
    if not _same(challenge, proof.get("challenge")):
        raise VerdictError(
            "challenge_mismatch",
            "The presentation answers another challenge: it was made for another request, "
            "or replayed. Start a new request.",
        )
    if domain is not None and not _same(domain, proof.get("domain")):
        raise VerdictError(
            "domain_mismatch",
            "The presentation was made for another verifier (proof domain differs).",
            details={"domain": proof.get("domain")},
        )
    holder = presentation.get("holder")
    vm: str = proof["verificationMethod"]
    if not isinstance(holder, str) or _did_of(vm) != holder:
        raise VerdictError(
            "holder_binding_failed",
            "The presentation must name its holder, and be signed by a key of that DID.",
            details={"holder": holder, "verification_method": vm},
        )
    _check_methods(vm, methods)

    raw_credentials = presentation.get("verifiableCredential", []) if check_credentials else []
    prepared = []
    for index, vc in enumerate(_as_list(raw_credentials)):
        try:
            item = _prepare_credential(vc, methods)
        except PassportError as exc:
            exc.details.setdefault("credential_index", index)
            raise
        if any(subject != holder for subject in _subject_ids(item.credential)):
            raise VerdictError(
                "holder_binding_failed",
                "A credential in the presentation was issued to someone else than its holder.",
                details={"credential_index": index, "holder": holder},
            )
        prepared.append(item)

    vp_options = {"proofPurpose": "authentication", "challenge": challenge}
    if domain is not None:
        vp_options["domain"] = domain
    vp_text, vp_opts = json.dumps(presentation), json.dumps(vp_options)
    texts = [p.text for p in prepared]
    raws = _run(lambda: _gather_verify_presentation(vp_text, vp_opts, texts), timeout)

    error = _outcome(raws[0], vm)
    if error is not None:
        raise error
    verified = []
    for index, (item, raw) in enumerate(zip(prepared, raws[1:], strict=True)):
        error = _outcome(raw, item.verification_method)
        try:
            if error is not None:
                raise error
            verified.append(_finish_credential(item, at if check_dates else None, clock_skew))
        except PassportError as exc:
            exc.details.setdefault("credential_index", index)
            raise
    return LegacyPresentationVerified(holder, vm, tuple(verified))
