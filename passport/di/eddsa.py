"""Data Integrity proofs with the EdDSA cryptosuites (W3C Data Integrity EdDSA Cryptosuites
v1.0, Recommendation 15 May 2025): ``eddsa-rdfc-2022`` and ``eddsa-jcs-2022``.

Both suites produce a ``DataIntegrityProof`` whose ``proofValue`` is the base58-btc
multibase of an Ed25519 signature over ``sha256(canonical proof configuration) ||
sha256(canonical document)``; ``eddsa-rdfc-2022`` canonicalizes with RDFC-1.0 (through
JSON-LD, offline contexts only), ``eddsa-jcs-2022`` with JCS (RFC 8785).

On top of the cryptosuite algorithms (vc-di-eddsa section 3.2 and 3.3) verification applies
the Data Integrity "Verify Proof" checks (VC-DATA-INTEGRITY section 4.4): the expected
proof purpose, ``challenge`` and ``domain``, ``expires``; the verification method is
resolved through the DID resolver and must be authorised for the proof purpose in the
DID document; and the method's DID must be the credential's ``issuer`` (``assertionMethod``)
or the presentation's ``holder`` (``authentication``).

Error codes:
- MalformedError: ``proof_missing``, ``proof_malformed``, ``document_malformed``, and those of
  ``passport.jsonld`` and ``passport.di.jcs`` (``jsonld_*``, ``jcs_invalid``);
- VerdictError: ``cryptosuite_unsupported``, ``signature_invalid``, ``proof_purpose_mismatch``,
  ``challenge_mismatch``, ``domain_mismatch``, ``issuer_mismatch``, ``holder_binding_failed``,
  ``proof_expired``, ``key_type_mismatch``, ``proof_created_in_future``;
- resolver errors pass through (``did_invalid``, ``did_not_found``,
  ``verification_method_not_found``, ``key_not_authorized``, ...);
- ConfigurationError: ``unsupported_key_type`` when signing with a key that is not Ed25519.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import base58

from passport import jsonld
from passport.di import jcs, rdfc
from passport.did.document import VerificationMethod, split_did_url
from passport.did.resolver import resolve_method
from passport.errors import ConfigurationError, MalformedError, VerdictError
from passport.keys import KeyType, PrivateKey
from passport.ports import Resolver

__all__ = [
    "CRYPTOSUITES",
    "EDDSA_JCS_2022",
    "EDDSA_RDFC_2022",
    "PROOF_TYPE",
    "VerifiedPresentation",
    "VerifiedProof",
    "canonical_document",
    "canonical_proof_config",
    "hash_data",
    "present",
    "sign",
    "verify",
    "verify_presentation",
    "verify_proofs",
]

PROOF_TYPE = "DataIntegrityProof"
#: Seconds a proof's ``created`` may lie ahead of the verifier's clock (as for validFrom).
DEFAULT_CLOCK_SKEW = 60
EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
EDDSA_JCS_2022 = "eddsa-jcs-2022"
CRYPTOSUITES = (EDDSA_RDFC_2022, EDDSA_JCS_2022)

_Canon = Callable[[Mapping[str, Any]], bytes]
_CANON: dict[str, _Canon] = {EDDSA_RDFC_2022: rdfc.canonicalize, EDDSA_JCS_2022: jcs.canonicalize}

# XML Schema 1.1 dateTimeStamp (a dateTime with a mandatory time zone)
_DATETIME_STAMP = re.compile(
    r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$"
)
_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}
_B58_PAIRS = {a + b: i * 58 + j for a, i in _B58_INDEX.items() for b, j in _B58_INDEX.items()}


@dataclass(frozen=True)
class VerifiedProof:
    """What a verified proof established."""

    verification_method: str  # absolute DID URL of the key that signed
    controller: str  # the DID whose document authorised the key for the purpose
    cryptosuite: str
    proof_purpose: str
    created: datetime | None = None
    expires: datetime | None = None
    challenge: str | None = None
    domain: str | list[str] | None = None


@dataclass(frozen=True)
class VerifiedPresentation:
    """A presentation whose holder proof verified, and what it carries.

    ``credentials`` are the ``verifiableCredential`` entries as they appear (embedded
    credentials as dicts, enveloped ones as their ``EnvelopedVerifiableCredential`` dicts);
    ``credential_proofs`` holds, when verified deeply, the proof of each embedded secured
    credential in the same order (``None`` for an enveloped credential, checked elsewhere).
    """

    holder: str
    proof: VerifiedProof
    credentials: list[Any]
    credential_proofs: list[VerifiedProof | None] | None = field(default=None)


# --- small helpers -------------------------------------------------------------------


def _malformed(message: str, **details: Any) -> MalformedError:
    return MalformedError("proof_malformed", message, details=details)


def _b58decode(text: str) -> bytes:
    """base58-btc decode, two digits at a time (several times faster than the ``base58``
    package for signature-sized values). Raises KeyError on a character outside the alphabet.
    """
    pairs = _B58_PAIRS
    n = 0
    for chunk in [pairs[text[i : i + 2]] for i in range(0, len(text) - 1, 2)]:
        n = n * 3364 + chunk
    if len(text) % 2:
        n = n * 58 + _B58_INDEX[text[-1]]
    zeros = len(text) - len(text.lstrip("1"))
    return b"\x00" * zeros + n.to_bytes((n.bit_length() + 7) // 8, "big")


def _proof_bytes(proof: Mapping[str, Any]) -> bytes:
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z") or len(value) < 2:
        raise _malformed("proofValue must be a base58-btc multibase string (starting with 'z').")
    try:
        raw = _b58decode(value[1:])
    except KeyError as exc:
        raise _malformed("proofValue is not valid base58-btc.") from exc
    if len(raw) != 64:
        raise _malformed(f"proofValue must hold a 64-byte Ed25519 signature, not {len(raw)} bytes.")
    return raw


def _parse_datetime(value: Any, name: str) -> datetime:
    if not isinstance(value, str) or not _DATETIME_STAMP.match(value):
        raise _malformed(
            f"proof.{name} must be an XML Schema dateTimeStamp such as 2025-01-01T00:00:00Z.",
            value=str(value)[:64],
        )
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise _malformed(f"proof.{name} is not a valid date-time: {exc}") from exc


def _format_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("datetimes in proofs must be timezone-aware")
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _id_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


# --- cryptosuite algorithms (vc-di-eddsa 3.2.3-3.2.5, 3.3.3-3.3.5) -------------------


def _check_suite(options: Mapping[str, Any]) -> str:
    suite = options.get("cryptosuite")
    if options.get("type") != PROOF_TYPE or not isinstance(suite, str) or suite not in _CANON:
        raise VerdictError(
            "cryptosuite_unsupported",
            f"Unsupported proof type {options.get('type')!r} / cryptosuite {suite!r}: this "
            f"verifier handles {PROOF_TYPE} with {' or '.join(CRYPTOSUITES)} "
            "(Ed25519Signature2020 credentials go through the legacy VC 1.1 verifier).",
            details={"type": str(options.get("type")), "cryptosuite": str(suite)},
        )
    return str(suite)


def canonical_document(unsecured: Mapping[str, Any], cryptosuite: str) -> bytes:
    """Transformation (vc-di-eddsa 3.2.3 / 3.3.3): the canonical form of the unsecured document.

    Raises ``cryptosuite_unsupported`` and the canonicalization errors (``jsonld_*``,
    ``jcs_invalid``).
    """
    _check_suite({"type": PROOF_TYPE, "cryptosuite": cryptosuite})
    return _CANON[cryptosuite](unsecured)


def canonical_proof_config(options: Mapping[str, Any], unsecured: Mapping[str, Any]) -> bytes:
    """Proof Configuration (vc-di-eddsa 3.2.5 / 3.3.5): the canonical proof configuration.

    ``options`` are the proof options (the proof without ``proofValue``). For
    ``eddsa-rdfc-2022`` the configuration takes the document's ``@context`` (step 4); for
    ``eddsa-jcs-2022`` it is the options as they are (Create Proof step 2 already copied the
    ``@context`` into them). Raises ``cryptosuite_unsupported``, ``proof_malformed`` (bad
    ``created``) and the canonicalization errors.
    """
    suite = _check_suite(options)
    if "created" in options:
        _parse_datetime(options["created"], "created")
    return _proof_config(options, unsecured, suite)


def _proof_config(options: Mapping[str, Any], unsecured: Mapping[str, Any], suite: str) -> bytes:
    config = dict(options)
    config.pop("proofValue", None)
    if suite == EDDSA_RDFC_2022:
        if "@context" not in unsecured:
            raise MalformedError(
                "document_malformed",
                "eddsa-rdfc-2022 needs a JSON-LD document: it has no @context.",
            )
        config["@context"] = unsecured["@context"]
    return _CANON[suite](config)


def hash_data(canonical_config: bytes, canonical_doc: bytes) -> bytes:
    """Hashing (vc-di-eddsa 3.2.4 / 3.3.4): sha256(proof config) || sha256(document)."""
    return hashlib.sha256(canonical_config).digest() + hashlib.sha256(canonical_doc).digest()


# --- signing -------------------------------------------------------------------------


def sign(
    document: Mapping[str, Any],
    key: PrivateKey,
    verification_method: str,
    *,
    cryptosuite: str = EDDSA_RDFC_2022,
    proof_purpose: str = "assertionMethod",
    created: datetime | None = None,
    expires: datetime | None = None,
    challenge: str | None = None,
    domain: str | list[str] | None = None,
    proof_id: str | None = None,
    previous_proof: str | list[str] | None = None,
) -> dict[str, Any]:
    """Secure ``document`` with a new ``DataIntegrityProof`` (Data Integrity 4.2 Add Proof,
    vc-di-eddsa 3.2.1 / 3.3.1 Create Proof).

    ``created`` is optional in Data Integrity and omitted when ``None``. A document that
    already has a proof gets a proof set (Data Integrity 4.5): the new proof signs the
    document without its existing proofs and is appended to them; with ``previous_proof``
    (the ``id`` of existing proofs) it signs the document with those proofs, making a proof
    chain. Returns a new document; the input is not changed.

    Raises ``unsupported_key_type`` (ConfigurationError) for a non-Ed25519 key,
    ``cryptosuite_unsupported``, ``document_malformed``, and the canonicalization errors
    (``jsonld_context_unknown``, ``jsonld_undefined_term``, ``jsonld_invalid``, ``jcs_invalid``).
    """
    if key.type is not KeyType.ED25519:
        raise ConfigurationError(
            "unsupported_key_type",
            f"The EdDSA cryptosuites sign with Ed25519 keys, not {key.type.value}.",
        )
    if not isinstance(document, Mapping):
        raise MalformedError("document_malformed", "The document to sign must be a JSON object.")
    _check_suite({"type": PROOF_TYPE, "cryptosuite": cryptosuite})
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    existing = document.get("proof")
    previous_list: list[Any] = (
        [] if existing is None else list(existing) if isinstance(existing, list) else [existing]
    )
    signed_input = unsecured
    if previous_proof is not None:
        wanted = previous_proof if isinstance(previous_proof, list) else [previous_proof]
        matching = [p for p in previous_list if isinstance(p, Mapping) and p.get("id") in wanted]
        if len(matching) != len(wanted):
            raise _malformed("previous_proof names a proof that the document does not have.")
        signed_input = {**unsecured, "proof": matching}
    options: dict[str, Any] = {}
    if proof_id is not None:
        options["id"] = proof_id
    options["type"] = PROOF_TYPE
    options["cryptosuite"] = cryptosuite
    if created is not None:
        options["created"] = _format_datetime(created)
    if expires is not None:
        options["expires"] = _format_datetime(expires)
    options["verificationMethod"] = verification_method
    options["proofPurpose"] = proof_purpose
    if previous_proof is not None:
        options["previousProof"] = previous_proof
    if challenge is not None:
        options["challenge"] = challenge
    if domain is not None:
        options["domain"] = domain
    # eddsa-jcs-2022 Create Proof step 2: the proof carries the document's @context
    if cryptosuite == EDDSA_JCS_2022 and "@context" in unsecured:
        options["@context"] = unsecured["@context"]
    proof = dict(options)
    data = hash_data(
        canonical_proof_config(options, signed_input),
        canonical_document(signed_input, cryptosuite),
    )
    proof["proofValue"] = "z" + base58.b58encode(key.sign(data)).decode("ascii")
    secured = dict(document)
    secured["proof"] = [*previous_list, proof] if previous_list else proof
    return secured


# --- verification --------------------------------------------------------------------


def _resolve_method(
    resolver: Resolver, url: str, relationship: str
) -> tuple[str, VerificationMethod]:
    """CID 1.0 "Retrieve Verification Method" through the DID resolver, checking that the
    DID document authorises the method for ``relationship``. Returns (DID, method)."""
    return split_did_url(url)[0], resolve_method(resolver, url, relationship)


def _check_binding(document: Mapping[str, Any], did: str, purpose: str) -> None:
    if purpose == "assertionMethod":
        issuer = _id_of(document.get("issuer"))
        if issuer != did:
            raise VerdictError(
                "issuer_mismatch",
                f"The proof was made with a key of {did}, but the issuer is {issuer!r}: "
                "only the issuer's own keys may sign its credentials.",
                details={"signer": did, "issuer": str(issuer)},
            )
    elif purpose == "authentication":
        holder = _id_of(document.get("holder"))
        if holder != did:
            raise VerdictError(
                "holder_binding_failed",
                f"The presentation was signed with a key of {did}, but its holder is {holder!r}.",
                details={"signer": did, "holder": str(holder)},
            )


def _check_contexts(document: Mapping[str, Any]) -> None:
    """eddsa-jcs-2022 signs the JSON as it is, so no JSON-LD processing would notice a context
    added after signing. An unknown context is an error here as for eddsa-rdfc-2022: every
    ``@context`` URL must be one the offline loader knows (``passport.jsonld``).

    Raises ``jsonld_context_unknown``, ``jsonld_invalid`` (an entry that is neither a URL,
    an embedded context object nor null)."""
    ctx = document.get("@context")
    entries = ctx if isinstance(ctx, list) else [] if ctx is None else [ctx]
    for entry in entries:
        if isinstance(entry, str):
            jsonld.load_context(entry)
        elif entry is not None and not isinstance(entry, Mapping):
            raise MalformedError(
                "jsonld_invalid", "An @context entry must be a URL, a context object or null."
            )


def _verify_one(
    secured: Mapping[str, Any],
    unsecured: dict[str, Any],
    proof: Mapping[str, Any],
    resolver: Resolver,
    *,
    proof_purpose: str,
    challenge: str | None,
    domain: str | None,
    now: datetime,
    check_controller: bool,
    clock_skew: int = DEFAULT_CLOCK_SKEW,
) -> VerifiedProof:
    if not isinstance(proof, Mapping):
        raise _malformed("A proof must be a JSON object.")
    suite = _check_suite(proof)
    vm_url = proof.get("verificationMethod")
    if not isinstance(vm_url, str) or not vm_url:
        raise _malformed("proof.verificationMethod must be a URL string.")
    purpose = proof.get("proofPurpose")
    if not isinstance(purpose, str):
        raise _malformed("proof.proofPurpose must be a string.")
    signature = _proof_bytes(proof)
    created = _parse_datetime(proof["created"], "created") if "created" in proof else None
    expires = _parse_datetime(proof["expires"], "expires") if "expires" in proof else None
    if created is not None and created > now + timedelta(seconds=clock_skew):
        raise VerdictError(
            "proof_created_in_future",
            f"The proof claims to be created at {proof['created']}, in the future (beyond "
            f"{clock_skew} s of clock skew): check the signer's clock, or reject it.",
            details={"created": proof["created"]},
        )
    if suite == EDDSA_JCS_2022:
        _check_contexts(secured)

    # Data Integrity 4.4 Verify Proof: purpose, domain, challenge, expiry
    if purpose != proof_purpose:
        raise VerdictError(
            "proof_purpose_mismatch",
            f"The proof is for {purpose!r}, but {proof_purpose!r} was expected here.",
            details={"expected": proof_purpose, "actual": purpose},
        )
    proof_domain = proof.get("domain")
    if domain is not None:
        domains = proof_domain if isinstance(proof_domain, list) else [proof_domain]
        if domain not in domains:
            raise VerdictError(
                "domain_mismatch",
                f"The proof is bound to domain {proof_domain!r}, not {domain!r}: "
                "it was made for another verifier.",
                details={"expected": domain},
            )
    proof_challenge = proof.get("challenge")
    if challenge is not None and proof_challenge != challenge:
        raise VerdictError(
            "challenge_mismatch",
            "The proof does not answer this verifier's challenge (replayed or stale "
            "presentation); request a new one.",
            details={"expected": challenge},
        )
    if expires is not None and expires <= now:
        raise VerdictError(
            "proof_expired",
            f"The proof expired at {proof['expires']}.",
            details={"expires": proof["expires"]},
        )

    options = {k: v for k, v in proof.items() if k != "proofValue"}
    document = unsecured
    if suite == EDDSA_JCS_2022 and "@context" in options:
        # vc-di-eddsa 3.3.2 step 4: the document's @context must start with the proof's
        proof_ctx = options["@context"]
        doc_ctx = secured.get("@context")
        pc = proof_ctx if isinstance(proof_ctx, list) else [proof_ctx]
        dc = doc_ctx if isinstance(doc_ctx, list) else [doc_ctx]
        if dc[: len(pc)] != pc:
            raise VerdictError(
                "signature_invalid",
                "The proof's @context is not a prefix of the document's @context.",
            )
        document = {**unsecured, "@context": proof_ctx}

    did, vm = _resolve_method(resolver, vm_url, proof_purpose)
    if vm.public_key.type is not KeyType.ED25519:
        raise VerdictError(
            "key_type_mismatch",
            f"{vm.id} is a {vm.public_key.type.value} key; {suite} needs an Ed25519 key.",
        )
    if check_controller:
        _check_binding(secured, did, proof_purpose)

    # vc-di-eddsa 3.2.2 / 3.3.2 steps 4-8
    data = hash_data(_proof_config(options, document, suite), _CANON[suite](document))
    if not vm.public_key.verify(signature, data):
        raise VerdictError(
            "signature_invalid",
            f"The {suite} signature does not match the document: it was changed after "
            "signing or signed with another key.",
            details={"verificationMethod": vm.id},
        )
    return VerifiedProof(
        verification_method=vm.id,
        controller=did,
        cryptosuite=suite,
        proof_purpose=purpose,
        created=created,
        expires=expires,
        challenge=proof_challenge if isinstance(proof_challenge, str) else None,
        domain=proof_domain if isinstance(proof_domain, (str, list)) else None,
    )


def verify_proofs(
    document: Mapping[str, Any],
    resolver: Resolver,
    *,
    proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    now: datetime | None = None,
    check_controller: bool = True,
    clock_skew: int = DEFAULT_CLOCK_SKEW,
) -> list[VerifiedProof]:
    """Verify every proof of ``document`` (a proof set or chain: Data Integrity 4.6 Verify
    Proof Sets and Chains; each proof that names a ``previousProof`` is verified over the
    document with the proofs it chains to). All must verify with ``proof_purpose``.

    Raises what ``verify`` raises.
    """
    if not isinstance(document, Mapping):
        raise MalformedError("document_malformed", "A secured document must be a JSON object.")
    raw = document.get("proof")
    if raw is None or raw == []:
        raise MalformedError(
            "proof_missing", "The document has no proof: it is not secured with Data Integrity."
        )
    proofs: Sequence[Any] = raw if isinstance(raw, list) else [raw]
    when = now if now is not None else datetime.now(UTC)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    results = []
    for proof in proofs:
        if not isinstance(proof, Mapping):
            raise _malformed("A proof must be a JSON object.")
        base = unsecured
        previous = proof.get("previousProof")
        if previous is not None:
            wanted = previous if isinstance(previous, list) else [previous]
            matching = [p for p in proofs if isinstance(p, Mapping) and p.get("id") in wanted]
            if len(matching) != len(wanted) or not all(isinstance(w, str) for w in wanted):
                raise _malformed(
                    "proof.previousProof names a proof that is not in the document.",
                    previousProof=str(previous),
                )
            base = {**unsecured, "proof": matching}
        results.append(
            _verify_one(
                document,
                base,
                proof,
                resolver,
                proof_purpose=proof_purpose,
                challenge=challenge,
                domain=domain,
                now=when,
                check_controller=check_controller,
                clock_skew=clock_skew,
            )
        )
    return results


def verify(
    document: Mapping[str, Any],
    resolver: Resolver,
    *,
    proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    now: datetime | None = None,
    check_controller: bool = True,
    clock_skew: int = DEFAULT_CLOCK_SKEW,
) -> VerifiedProof:
    """Verify the Data Integrity proof of ``document`` (vc-di-eddsa 3.2.2 / 3.3.2 Verify
    Proof, within Data Integrity 4.4 Verify Proof) and return what it established.

    ``challenge`` / ``domain``, when given, must match the proof's. ``check_controller``
    (default on) requires the signing key's DID to be the ``issuer`` for
    ``assertionMethod`` and the ``holder`` for ``authentication``. With a proof set every
    proof must verify; the first one is returned (``verify_proofs`` returns them all).

    Raises MalformedError ``proof_missing``, ``proof_malformed``, ``document_malformed``,
    ``jsonld_context_unknown``, ``jsonld_undefined_term``, ``jsonld_invalid``, ``jcs_invalid``;
    VerdictError ``cryptosuite_unsupported``, ``proof_purpose_mismatch``,
    ``challenge_mismatch``, ``domain_mismatch``, ``proof_expired``, ``issuer_mismatch``,
    ``holder_binding_failed``, ``key_type_mismatch``, ``signature_invalid``,
    ``proof_created_in_future`` (``created`` later than ``now`` + ``clock_skew`` seconds); for
    eddsa-jcs-2022 also ``jsonld_context_unknown`` (a context the offline loader does not
    know, e.g. one added after signing); and the resolver's
    errors (``did_invalid``, ``did_not_found``, ``verification_method_not_found``,
    ``key_not_authorized``, ...).
    """
    return verify_proofs(
        document,
        resolver,
        proof_purpose=proof_purpose,
        challenge=challenge,
        domain=domain,
        now=now,
        check_controller=check_controller,
        clock_skew=clock_skew,
    )[0]


# --- presentations -------------------------------------------------------------------


def _enveloped(token: str) -> dict[str, Any]:
    media = "application/vc+sd-jwt" if "~" in token else "application/vc+jwt"
    return {
        "@context": jsonld.CREDENTIALS_V2,
        "id": f"data:{media},{token}",
        "type": "EnvelopedVerifiableCredential",
    }


def present(
    credentials: Sequence[Mapping[str, Any] | str],
    key: PrivateKey,
    verification_method: str,
    *,
    holder: str,
    challenge: str,
    domain: str | None,
    cryptosuite: str = EDDSA_RDFC_2022,
    created: datetime | None = None,
    presentation_id: str | None = None,
) -> dict[str, Any]:
    """A VC Data Model 2.0 ``VerifiablePresentation`` of ``credentials`` by ``holder``,
    secured with a Data Integrity proof for ``authentication`` bound to ``challenge`` and
    ``domain`` (VC-DATA-MODEL-2.0 section 4.13, Data Integrity 2.1.2).

    A credential given as a string (a compact SD-JWT or JWT) is embedded as an
    ``EnvelopedVerifiableCredential`` data: URL. Raises what ``sign`` raises.
    """
    vp: dict[str, Any] = {"@context": [jsonld.CREDENTIALS_V2]}
    if presentation_id is not None:
        vp["id"] = presentation_id
    vp["type"] = ["VerifiablePresentation"]
    vp["holder"] = holder
    vp["verifiableCredential"] = [
        _enveloped(c) if isinstance(c, str) else dict(c) for c in credentials
    ]
    return sign(
        vp,
        key,
        verification_method,
        cryptosuite=cryptosuite,
        proof_purpose="authentication",
        created=created,
        challenge=challenge,
        domain=domain,
    )


def verify_presentation(
    presentation: Mapping[str, Any],
    resolver: Resolver,
    *,
    challenge: str,
    domain: str | None,
    now: datetime | None = None,
    deep: bool = False,
) -> VerifiedPresentation:
    """Verify the holder's ``authentication`` proof on a presentation (Data Integrity 4.4
    with expected purpose ``authentication``, the verifier's ``challenge`` and ``domain``)
    and return its credentials.

    The signing key must belong to the presentation's ``holder``. With ``deep`` every
    embedded secured credential is verified too (``assertionMethod``, signed by its issuer);
    enveloped credentials are left to their own verifier. Without it, the caller verifies
    each credential. Raises what ``verify`` raises, plus ``document_malformed`` when the
    presentation is not a ``VerifiablePresentation`` or has no holder.
    """
    if not isinstance(presentation, Mapping):
        raise MalformedError("document_malformed", "A presentation must be a JSON object.")
    types = presentation.get("type")
    type_list = types if isinstance(types, list) else [types]
    if "VerifiablePresentation" not in type_list:
        raise MalformedError("document_malformed", "The document is not a VerifiablePresentation.")
    holder = _id_of(presentation.get("holder"))
    if holder is None:
        raise MalformedError(
            "document_malformed",
            "The presentation names no holder; it cannot be bound to the presenter.",
        )
    if not isinstance(challenge, str) or not challenge:
        raise ValueError("verify_presentation needs the challenge this verifier issued")
    when = now if now is not None else datetime.now(UTC)
    proof = verify(
        presentation,
        resolver,
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
        now=when,
    )
    raw = presentation.get("verifiableCredential", [])
    credentials = list(raw) if isinstance(raw, list) else [raw]
    credential_proofs: list[VerifiedProof | None] | None = None
    if deep:
        credential_proofs = []
        for credential in credentials:
            if isinstance(credential, Mapping) and "proof" in credential:
                credential_proofs.append(verify(credential, resolver, now=when))
            else:
                credential_proofs.append(None)
    return VerifiedPresentation(
        holder=holder, proof=proof, credentials=credentials, credential_proofs=credential_proofs
    )
