"""Property-based fuzzing of every parser and verifier entry point (issue 7).

The property, for any input: the entry point returns (a value, a verification report) or
raises a ``PassportError``; no other exception escapes. Inputs are random JSON values and
strings, and valid artefacts (an SD-JWT presentation with its KB-JWT, Data Integrity
credentials, DID documents, a status list, offer URIs, token and credential requests,
WebAuthn responses from the software authenticator) mutated character by character and
member by member. Each test has a fixed budget (``max_examples``) and ``deadline=None`` so
CI time stays bounded (the suite takes well under a minute on the 2-core machine); the
database is off so runs do not depend on earlier ones. Nothing here touches the network:
did:web goes through a policy whose host resolver answers nothing.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passport import jsonsafe
from passport.di import eddsa
from passport.did import DidDocument, DidWebPolicy, default_resolver
from passport.did.document import parse_did, split_did_url
from passport.did.web import did_web_url
from passport.errors import PassportError
from passport.exchange.oid4vci import (
    CredentialOffer,
    TxCode,
    offer_uri,
    parse_bearer_token,
    parse_credential_request,
    parse_offer_uri,
    parse_token_request,
)
from passport.fido.authenticator import SoftwareAuthenticator
from passport.fido.webauthn import (
    RegistrationState,
    assertion_options,
    assertion_response_parts,
    registration_options,
    registration_response_parts,
    verify_assertion,
    verify_registration,
)
from passport.keys import KeyType, PrivateKey, b64url_encode
from passport.report import VerificationReport
from passport.sdjwt import common as sd_common
from passport.sdjwt import holder as sd_holder
from passport.sdjwt import issuer as sd_issuer
from passport.sdjwt import verifier as sd_verifier
from passport.status import StatusList
from passport.status.bitstring import check_status, decode_bitstring
from passport.status.signed import sign_status_list
from passport.verify import VerifyOptions, verify

NOW = datetime(2026, 6, 1, tzinfo=UTC)
BUDGET = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SMALL = settings(BUDGET, max_examples=60)


def _never_escapes(call: Callable[[], Any]) -> Any:
    """The property: a value or a PassportError, nothing else."""
    try:
        return call()
    except PassportError as exc:
        assert exc.code and isinstance(exc.code, str)
        return exc


# --- inputs ------------------------------------------------------------------------------

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["", "did:key:z6Mk", "did:web:x", "urn:uuid:1", "z", "EdDSA", "~"])
)
_keys = st.sampled_from(
    ["alg", "crit", "typ", "kid", "jwk", "_sd", "...", "cnf", "type", "cryptosuite", "@context",
     "proof", "id", "statusListIndex", "encodedList", "credentialSubject", "iat", "nonce"]
) | st.text(max_size=8)  # fmt: skip
json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=12,
)
odd_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40
) | st.sampled_from(["\u00e9", "\u0000", "~~", "..", "%3A", "[" * 70, "1" * 5000])


def _mutate_text(text: str, data: st.DataObject) -> str:
    """Replace, delete or insert characters (including non-ASCII), or truncate."""
    out = text
    for _ in range(data.draw(st.integers(1, 4))):
        if not out:
            break
        pos = data.draw(st.integers(0, len(out) - 1))
        action = data.draw(st.sampled_from(["replace", "delete", "insert", "truncate"]))
        char = data.draw(st.sampled_from(["A", "~", ".", "é", "\x00", "=", " ", "_", "{"]))
        if action == "replace":
            out = out[:pos] + char + out[pos + 1 :]
        elif action == "delete":
            out = out[:pos] + out[pos + 1 :]
        elif action == "insert":
            out = out[:pos] + char + out[pos:]
        else:
            out = out[:pos]
    return out


def _mutate_json(value: Any, data: st.DataObject) -> Any:
    """Replace one member (at any depth) of a JSON document with a random JSON value."""
    doc = copy.deepcopy(value)
    paths: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in node:
                paths.append((node, key))
                walk(node[key])
        elif isinstance(node, list):
            for i in range(len(node)):
                paths.append((node, i))
                walk(node[i])

    walk(doc)
    for _ in range(data.draw(st.integers(1, 3))):
        if not paths:
            break
        parent, key = data.draw(st.sampled_from(paths))
        if data.draw(st.booleans()) or not isinstance(parent, dict):
            parent[key] = data.draw(json_values)
        else:
            parent.pop(key, None)
    return doc


# --- artefacts ---------------------------------------------------------------------------

ISSUER = PrivateKey.generate(KeyType.ED25519)
HOLDER = PrivateKey.generate(KeyType.ED25519)
ISSUER_DID = f"did:key:{ISSUER.public_key.to_multikey()}"
ISSUER_VM = f"{ISSUER_DID}#{ISSUER.public_key.to_multikey()}"
HOLDER_DID = f"did:key:{HOLDER.public_key.to_multikey()}"
NOWHERE = DidWebPolicy(resolve_host=lambda host, port: [])  # did:web never connects here


def _resolver() -> Any:
    return default_resolver(did_web_policy=NOWHERE)


def _credential() -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER_DID,
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {"id": HOLDER_DID, "name": "Mei", "tiers": [1, 2]},
    }


SD_JWT = sd_issuer.issue(
    _credential(),
    ISSUER,
    kid=ISSUER_VM,
    holder_jwk=HOLDER.public_key.to_jwk(),
    now=NOW,
)
PRESENTATION = sd_holder.present(
    SD_JWT, disclose=["credentialSubject/name"], holder_key=HOLDER, nonce="n-1", aud="v", now=NOW
)
DI_JCS = eddsa.sign(_credential(), ISSUER, ISSUER_VM, cryptosuite="eddsa-jcs-2022", created=NOW)
DI_RDFC = eddsa.sign(_credential(), ISSUER, ISSUER_VM, cryptosuite="eddsa-rdfc-2022", created=NOW)
STATUS_LIST = sign_status_list(
    StatusList(),
    issuer=ISSUER_DID,
    url="https://bank.example/status/1",
    purpose="revocation",
    key=ISSUER,
    verification_method=ISSUER_VM,
    now=NOW,
)
STATUS_ENTRY = {
    "id": "https://bank.example/status/1#7",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListIndex": "7",
    "statusListCredential": "https://bank.example/status/1",
}
DID_DOCUMENT = _resolver().resolve(ISSUER_DID).data
OFFER_URI = offer_uri(
    CredentialOffer("https://bank.example", ("KYCCredential",), "pre-auth-code", TxCode(length=6))
)


def _options(**kwargs: Any) -> VerifyOptions:
    return VerifyOptions(resolver=_resolver(), now=NOW, require_holder_binding=False, **kwargs)


# --- SD-JWT and KB-JWT -------------------------------------------------------------------


@BUDGET
@given(st.data())
def test_sd_jwt_presentations(data: st.DataObject) -> None:
    mutated = _mutate_text(PRESENTATION, data)
    _never_escapes(
        lambda: sd_verifier.verify(
            mutated, issuer_key=ISSUER.public_key, now=NOW, nonce="n-1", aud="v"
        )
    )
    _never_escapes(lambda: sd_holder.disclosable_claims(mutated))


@BUDGET
@given(st.data())
def test_kb_jwts(data: st.DataObject) -> None:
    head, _, kb = PRESENTATION.rpartition("~")
    kb_mutated = _mutate_text(kb, data) if data.draw(st.booleans()) else data.draw(odd_text)
    _never_escapes(
        lambda: sd_verifier.verify(
            f"{head}~{kb_mutated}", issuer_key=ISSUER.public_key, now=NOW, nonce="n-1", aud="v"
        )
    )


@BUDGET
@given(json_values, json_values)
def test_jws_headers_and_payloads(header: Any, payload: Any) -> None:
    token = ".".join(
        [
            b64url_encode(json.dumps(header).encode()),
            b64url_encode(json.dumps(payload).encode()),
            b64url_encode(b"\x00" * 64),
        ]
    )
    parsed = _never_escapes(lambda: sd_common.parse_jws(token))
    if isinstance(parsed, sd_common.ParsedJws):
        _never_escapes(lambda: sd_common.verify_jws_signature(parsed, ISSUER.public_key))


@BUDGET
@given(json_values | odd_text)
def test_disclosures(value: Any) -> None:
    encoded = value if isinstance(value, str) else b64url_encode(json.dumps(value).encode("utf-8"))
    _never_escapes(lambda: sd_common.decode_disclosure(encoded))
    _never_escapes(lambda: sd_common.digest(encoded))


# --- Data Integrity ----------------------------------------------------------------------


@SMALL
@given(st.data(), st.sampled_from([DI_JCS, DI_RDFC]))
def test_data_integrity_documents(data: st.DataObject, signed: dict[str, Any]) -> None:
    mutated = _mutate_json(signed, data)
    _never_escapes(lambda: eddsa.verify(mutated, _resolver(), now=NOW))


# --- the pipeline ------------------------------------------------------------------------


@SMALL
@given(st.data())
def test_the_pipeline_returns_a_report(data: st.DataObject) -> None:
    choice = data.draw(st.sampled_from(["sd-jwt", "di", "json", "text"]))
    if choice == "sd-jwt":
        subject: Any = _mutate_text(PRESENTATION, data)
    elif choice == "di":
        subject = json.dumps(_mutate_json(data.draw(st.sampled_from([DI_JCS, DI_RDFC])), data))
    elif choice == "json":
        subject = data.draw(json_values)
        subject = subject if isinstance(subject, dict) else json.dumps(subject)
    else:
        subject = data.draw(odd_text)
    nonce = data.draw(st.sampled_from([None, "n-1"]))
    report = verify(subject, _options(nonce=nonce, audience="v" if nonce else None))
    assert isinstance(report, VerificationReport)
    assert report.status.value in ("verified", "invalid", "indeterminate")


# --- DIDs --------------------------------------------------------------------------------


@BUDGET
@given(
    odd_text
    | st.builds(lambda m, s: f"did:{m}:{s}", st.sampled_from(["key", "jwk", "web", "x"]), odd_text)
)
def test_did_strings(did: str) -> None:
    _never_escapes(lambda: parse_did(did))
    _never_escapes(lambda: split_did_url(did))
    _never_escapes(lambda: did_web_url(did))
    _never_escapes(lambda: _resolver().resolve(did))


@BUDGET
@given(st.data())
def test_did_documents(data: st.DataObject) -> None:
    doc = DidDocument(_mutate_json(DID_DOCUMENT, data))
    ref = data.draw(st.sampled_from([ISSUER_VM, "#" + ISSUER_VM.split("#")[1], "#x", ""]))
    for relationship in ("assertionMethod", "authentication"):
        _never_escapes(lambda rel=relationship: doc.methods_for(rel))
        _never_escapes(lambda rel=relationship: doc.authorized_method(ref, rel))


# --- status lists ------------------------------------------------------------------------


@BUDGET
@given(st.data())
def test_status_lists(data: st.DataObject) -> None:
    listed = _mutate_json(STATUS_LIST, data) if data.draw(st.booleans()) else STATUS_LIST
    entry = _mutate_json(STATUS_ENTRY, data) if data.draw(st.booleans()) else STATUS_ENTRY
    _never_escapes(lambda: check_status(entry, listed, now=NOW))
    encoded = data.draw(odd_text | st.just(STATUS_LIST["credentialSubject"]["encodedList"]))
    _never_escapes(lambda: decode_bitstring(_mutate_text(encoded, data) if encoded else encoded))


# --- OpenID4VCI messages -----------------------------------------------------------------


@BUDGET
@given(st.data())
def test_offer_uris(data: st.DataObject) -> None:
    choice = data.draw(st.integers(0, 2))
    if choice == 0:
        uri = _mutate_text(OFFER_URI, data)
    elif choice == 1:
        value = data.draw(json_values)
        uri = "openid-credential-offer://?credential_offer=" + quote(json.dumps(value))
    else:
        uri = data.draw(odd_text)
    _never_escapes(lambda: parse_offer_uri(uri))


@BUDGET
@given(
    st.dictionaries(
        st.sampled_from(["grant_type", "pre-authorized_code", "tx_code", "client_id", "x"]),
        st.text(max_size=20) | st.lists(st.text(max_size=8), max_size=3) | json_values,
        max_size=5,
    )
    | json_values,
    st.one_of(st.none(), odd_text, st.just("Bearer abc"), st.text(max_size=20)),
)
def test_token_requests_and_bearer_tokens(form: Any, authorization: str | None) -> None:
    _never_escapes(lambda: parse_token_request(form))
    _never_escapes(lambda: parse_bearer_token(authorization))


@BUDGET
@given(st.data())
def test_credential_requests(data: st.DataObject) -> None:
    valid = {"credential_configuration_id": "KYCCredential", "proofs": {"jwt": ["a.b.c"]}}
    body = _mutate_json(valid, data) if data.draw(st.booleans()) else data.draw(json_values)
    _never_escapes(
        lambda: parse_credential_request(body, known_configuration_ids=["KYCCredential"])
    )


# --- WebAuthn ----------------------------------------------------------------------------

RP = "bank.example"
ORIGIN = "https://bank.example"


def _registration() -> tuple[RegistrationState, dict[str, Any], Any, Any]:
    options, state = registration_options(
        rp_id=RP, rp_name="Bank", user_id=b"user-1", user_name="mei", challenge=b"c" * 32
    )
    credential, attestation = SoftwareAuthenticator().make_credential(options, origin=ORIGIN)
    return state, attestation.to_json(), credential, SoftwareAuthenticator()


REG_STATE, REG_RESPONSE, SOFT_CREDENTIAL, AUTHENTICATOR = _registration()
REGISTERED = verify_registration(
    REG_STATE,
    client_data_json=registration_response_parts(REG_RESPONSE)[0],
    attestation_object=registration_response_parts(REG_RESPONSE)[1],
    origins=[ORIGIN],
)
_ASSERT_OPTIONS, ASSERT_STATE = assertion_options(rp_id=RP, challenge=b"a" * 32)
ASSERT_RESPONSE = AUTHENTICATOR.get_assertion(SOFT_CREDENTIAL, _ASSERT_OPTIONS, origin=ORIGIN)[
    1
].to_json()


@SMALL
@given(st.data())
def test_webauthn_registration_responses(data: st.DataObject) -> None:
    response = _mutate_json(REG_RESPONSE, data)
    parts = _never_escapes(lambda: registration_response_parts(response))
    client_data, attestation = parts if isinstance(parts, tuple) else (b"{}", b"")
    if data.draw(st.booleans()):
        attestation = data.draw(st.binary(max_size=200))
    if data.draw(st.booleans()):
        client_data = (
            data.draw(st.binary(max_size=100)) or json.dumps(data.draw(json_values)).encode()
        )
    _never_escapes(
        lambda: verify_registration(
            REG_STATE,
            client_data_json=client_data,
            attestation_object=attestation,
            origins=[ORIGIN],
        )  # fmt: skip
    )


@SMALL
@given(st.data())
def test_webauthn_assertion_responses(data: st.DataObject) -> None:
    mutated = _mutate_json(ASSERT_RESPONSE, data)
    parts = _never_escapes(lambda: assertion_response_parts(mutated))
    if not isinstance(parts, tuple):
        return
    cred_id, client_data, auth_data, signature, handle = parts
    if data.draw(st.booleans()):
        auth_data = data.draw(st.binary(max_size=80))
    _never_escapes(
        lambda: verify_assertion(
            ASSERT_STATE,
            REGISTERED,
            credential_id=cred_id,
            client_data_json=client_data,
            authenticator_data=auth_data,
            signature=signature,
            origins=[ORIGIN],
            user_handle=handle,
        )
    )


# --- the JSON parser itself --------------------------------------------------------------


@BUDGET
@given(odd_text | st.binary(max_size=60).map(lambda b: b.decode("latin-1")))
def test_jsonsafe_loads(text: str) -> None:
    _never_escapes(lambda: jsonsafe.loads(text))


@BUDGET
@given(json_values)
def test_jsonsafe_agrees_with_json(value: Any) -> None:
    text = json.dumps(value)
    assert jsonsafe.loads(text) == json.loads(text)
    assert jsonsafe.nesting_depth(text) < 20
