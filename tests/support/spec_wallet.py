"""An OpenID4VP 1.0 wallet written in the tests from the specification's message shapes, to
drive the verifier as any conformant wallet would (not from the project's wallet code).

What it does, with the section of OpenID4VP 1.0 (final) it follows:

- 5.10 / 5.9: read the ``openid4vp://`` link (``client_id``, ``request_uri``), GET the request
  object (``application/oauth-authz-req+jwt``); under ``decentralized_identifier:`` check its
  JWS with joserfc against the key the ``kid`` DID URL names in the DID document (``typ``
  ``oauth-authz-req+jwt``); under ``redirect_uri:`` accept only ``alg: none`` with the client
  identifier equal to ``redirect_uri:`` + ``response_uri``.
- 6: answer the DCQL query by hand: credential queries matched by ``format`` and
  ``meta.type_values`` / ``meta.vct_values``, the first claim set whose claims exist,
  ``credential_sets`` options in order.
- SD-JWT (RFC 9901 section 4.3): the presentation keeps the disclosures of the chosen claims
  (selected with the project's ``passport.sdjwt.holder.present``, without its key binding) and
  the wallet appends its own KB-JWT (``typ`` ``kb+jwt``, ``iat``, ``aud`` = client_id,
  ``nonce``, ``sd_hash`` = base64url(SHA-256(the presentation up to the last ``~``))).
- docs/fido-presentation.md: the FIDO binding VP (challenge = SHA-256 of the domain-separated
  nonce and client_id, origin ``https://`` + rpId) signed with Data Integrity.
- 8.1 / 8.2 / 8.3: ``vp_token`` keyed by credential query id; ``direct_post`` form posts;
  ``direct_post.jwt`` with this module's own JWE (RFC 7516 compact, RFC 7518 section 4.6 ECDH-ES
  direct key agreement with the Concat KDF, AES-GCM) to the key in ``client_metadata.jwks``;
  8.5 error responses.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# --- encodings -------------------------------------------------------------------------------


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    head, body = token.split(".")[:2]
    return json.loads(unb64u(head)), json.loads(unb64u(body))


def _eddsa_allowed() -> Any:
    """joserfc warns that RFC 9864 deprecates the polymorphic ``EdDSA``; the SD-JWT and
    OpenID4VP ecosystems still use it, so the wallet accepts it."""
    import contextlib
    import warnings

    from joserfc.errors import SecurityWarning

    stack = contextlib.ExitStack()
    stack.enter_context(warnings.catch_warnings())
    warnings.simplefilter("ignore", SecurityWarning)
    return stack


# --- the request -----------------------------------------------------------------------------


@dataclass
class Request:
    client_id: str
    request_uri: str
    header: dict[str, Any]
    claims: dict[str, Any]
    raw: str

    @property
    def nonce(self) -> str:
        return str(self.claims["nonce"])

    @property
    def state(self) -> str:
        return str(self.claims["state"])

    @property
    def response_uri(self) -> str:
        return str(self.claims["response_uri"])

    @property
    def response_mode(self) -> str:
        return str(self.claims["response_mode"])

    @property
    def dcql(self) -> dict[str, Any]:
        return dict(self.claims["dcql_query"])

    def encryption_jwk(self) -> dict[str, Any]:
        keys = self.claims["client_metadata"]["jwks"]["keys"]
        return dict(next(k for k in keys if k.get("use", "enc") == "enc"))


class RequestRefused(Exception):
    """The wallet refuses a request that fails the specification's checks."""


def parse_link(link: str) -> tuple[str, str]:
    query = parse_qs(urlsplit(link).query)
    return query["client_id"][0], query["request_uri"][0]


def fetch_request(
    http: httpx.Client, link: str, *, did_key_of: Callable[[str], Mapping[str, Any]]
) -> Request:
    """Section 5.10: GET the request_uri and check the request object (5.9 prefixes).

    ``did_key_of(kid)`` returns the public JWK of a DID URL (DID resolution is the wallet's
    own business; the tests pass the project's resolver)."""
    from joserfc import jws
    from joserfc.jwk import OKPKey

    client_id, request_uri = parse_link(link)
    response = http.get(request_uri)
    if response.status_code != 200:
        raise RequestRefused(f"request_uri answered {response.status_code}: {response.text}")
    if response.headers["content-type"].split(";")[0] != "application/oauth-authz-req+jwt":
        raise RequestRefused("the request object has the wrong media type")
    token = response.text
    header, claims = jwt_parts(token)
    if header.get("typ") != "oauth-authz-req+jwt":
        raise RequestRefused("typ is not oauth-authz-req+jwt")
    if claims.get("client_id") != client_id:
        raise RequestRefused("the request object's client_id is not the link's")
    prefix, _, identifier = client_id.partition(":")
    if prefix == "decentralized_identifier":
        kid = header.get("kid", "")
        if not kid.startswith(identifier + "#"):
            raise RequestRefused("kid is not a key of the client's DID")
        key = OKPKey.import_key(dict(did_key_of(kid)))
        with _eddsa_allowed():
            jws.deserialize_compact(token, key, algorithms=["EdDSA"])  # raises when forged
    elif prefix == "redirect_uri":
        if header.get("alg") != "none" or token.split(".")[2] != "":
            raise RequestRefused("a redirect_uri: request must be unsigned")
        if identifier != claims.get("response_uri"):
            raise RequestRefused("the response_uri is not the client identifier")
    else:
        raise RequestRefused(f"client identifier prefix {prefix!r}")
    for name in ("nonce", "state", "response_uri", "dcql_query", "response_mode"):
        if name not in claims:
            raise RequestRefused(f"the request has no {name}")
    if claims.get("response_type") != "vp_token":
        raise RequestRefused("response_type is not vp_token")
    return Request(client_id, request_uri, header, claims, token)


# --- DCQL, by hand -----------------------------------------------------------------------------


@dataclass
class Held:
    """A credential in the wallet: ``format``, the raw issued form, and the claims view
    (the whole VC for vc+sd-jwt / ldp_vc, the flat payload for dc+sd-jwt)."""

    format: str
    raw: Any
    view: Mapping[str, Any]
    types: Sequence[str] = ()
    vct: str | None = None


def _exists(view: Any, path: Sequence[Any]) -> bool:
    node = view
    for segment in path:
        in_object = isinstance(segment, str) and isinstance(node, Mapping) and segment in node
        in_array = isinstance(segment, int) and isinstance(node, list) and segment < len(node)
        if in_object or in_array:
            node = node[segment]
        else:
            return False
    return True


def _value(view: Any, path: Sequence[Any]) -> Any:
    node = view
    for segment in path:
        node = node[segment]
    return node


def _claim_ok(view: Mapping[str, Any], claim: Mapping[str, Any]) -> bool:
    if not _exists(view, claim["path"]):
        return False
    return "values" not in claim or _value(view, claim["path"]) in claim["values"]


def match_query(query: Mapping[str, Any], held: Held) -> list[list[Any]] | None:
    """The claim paths to disclose when ``held`` answers ``query`` (section 6.4.1), else None."""
    if held.format != query["format"]:
        return None
    meta = query.get("meta", {})
    if "vct_values" in meta and held.vct not in meta["vct_values"]:
        return None
    if "type_values" in meta and not any(
        set(opt) <= set(held.types) for opt in meta["type_values"]
    ):
        return None
    claims = query.get("claims")
    if not claims:
        return []
    if "claim_sets" not in query:
        return [c["path"] for c in claims] if all(_claim_ok(held.view, c) for c in claims) else None
    by_id = {c["id"]: c for c in claims}
    for claim_set in query["claim_sets"]:
        chosen = [by_id[i] for i in claim_set]
        if all(_claim_ok(held.view, c) for c in chosen):
            return [c["path"] for c in chosen]
    return None


def select(
    dcql: Mapping[str, Any], wallet: Sequence[Held]
) -> dict[str, tuple[Held, list[list[Any]]]]:
    """One credential per answered query id, honouring credential_sets."""
    found: dict[str, tuple[Held, list[list[Any]]]] = {}
    for query in dcql["credentials"]:
        for held in wallet:
            paths = match_query(query, held)
            if paths is not None:
                found[query["id"]] = (held, paths)
                break
    sets = dcql.get("credential_sets")
    if sets is None:
        return found
    chosen: dict[str, tuple[Held, list[list[Any]]]] = {}
    for cset in sets:
        for option in cset["options"]:
            if all(i in found for i in option):
                chosen.update({i: found[i] for i in option})
                break
    return chosen


# --- SD-JWT presentations ----------------------------------------------------------------------


def kb_jwt(sd_jwt_without_kb: str, holder_key: Any, *, nonce: str, aud: str, iat: int) -> str:
    """RFC 9901 section 4.3: the Key Binding JWT over the presentation."""
    from joserfc import jws
    from joserfc.jwk import OKPKey

    sd_hash = b64u(hashlib.sha256(sd_jwt_without_kb.encode("ascii")).digest())
    payload = {"iat": iat, "aud": aud, "nonce": nonce, "sd_hash": sd_hash}
    key = OKPKey.import_key(holder_key.to_jwk())
    with _eddsa_allowed():
        return jws.serialize_compact(
            {"typ": "kb+jwt", "alg": "EdDSA"}, json.dumps(payload), key, algorithms=["EdDSA"]
        )


def sd_jwt_presentation(
    issued: str,
    paths: Sequence[Sequence[Any]],
    holder_key: Any,
    *,
    nonce: str,
    aud: str,
    iat: int,
) -> str:
    """The issued SD-JWT reduced to the disclosures of ``paths``, then this wallet's KB-JWT."""
    from passport.sdjwt.holder import present

    wanted = ["/".join(str(p) for p in path) for path in paths]
    without_kb = present(issued, disclose=wanted)
    return without_kb + kb_jwt(without_kb, holder_key, nonce=nonce, aud=aud, iat=iat)


# --- FIDO binding (docs/fido-presentation.md) ---------------------------------------------------


def fido_challenge(nonce: str, client_id: str) -> bytes:
    return hashlib.sha256(
        b"dfp-fido-binding-v1" + b"\x00" + nonce.encode() + b"\x00" + client_id.encode()
    ).digest()


@dataclass
class FidoDevice:
    authenticator: Any  # passport.fido.authenticator.SoftwareAuthenticator
    credential: Any  # its SoftwareCredential (the counter moves on with each assertion)


def fido_presentation(
    fido_vc: Mapping[str, Any],
    device: FidoDevice,
    holder_key: Any,
    holder_did: str,
    *,
    nonce: str,
    client_id: str,
    challenge: bytes | None = None,
    allow_credentials: bool = True,
    cryptosuite: str = "eddsa-rdfc-2022",
) -> dict[str, Any]:
    from passport.di.eddsa import sign

    subject = fido_vc["credentialSubject"]
    rp_id = subject["rpId"]
    options: dict[str, Any] = {
        "challenge": b64u(challenge or fido_challenge(nonce, client_id)),
        "rpId": rp_id,
        "userVerification": "required",
    }
    if allow_credentials:
        options["allowCredentials"] = [
            {"type": "public-key", "id": subject["authenticatorCredentialId"]}
        ]
    device.credential, assertion = device.authenticator.get_assertion(
        device.credential, options, origin=f"https://{rp_id}"
    )
    vp = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://w3id.org/financial-passport/v1",
        ],
        "type": ["VerifiablePresentation"],
        "holder": holder_did,
        "verifiableCredential": [dict(fido_vc)],
        "fidoAssertion": assertion.to_json(),
    }
    method = f"{holder_did}#{holder_did.split(':')[2]}"
    return sign(
        vp,
        holder_key,
        method,
        cryptosuite=cryptosuite,
        proof_purpose="authentication",
        challenge=nonce,
        domain=client_id,
    )


# --- responses -------------------------------------------------------------------------------


def _concat_kdf(z: bytes, enc: str, bits: int, apu: bytes = b"", apv: bytes = b"") -> bytes:
    """RFC 7518 section 4.6.2 (NIST SP 800-56A Concat KDF, one SHA-256 round suffices)."""

    def lp(data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + data

    other = lp(enc.encode()) + lp(apu) + lp(apv) + bits.to_bytes(4, "big")
    return hashlib.sha256(b"\x00\x00\x00\x01" + z + other).digest()[: bits // 8]


def encrypt_response(
    params: Mapping[str, Any],
    recipient_jwk: Mapping[str, Any],
    *,
    enc: str = "A128GCM",
    alg: str = "ECDH-ES",
    kid: str | None = "from-jwk",
    corrupt_tag: bool = False,
) -> str:
    """A compact JWE (RFC 7516 section 7.1) of the JSON response with ECDH-ES direct key
    agreement on P-256 and AES-GCM."""
    x = int.from_bytes(unb64u(recipient_jwk["x"]), "big")
    y = int.from_bytes(unb64u(recipient_jwk["y"]), "big")
    recipient = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    numbers = ephemeral.public_key().public_numbers()
    header: dict[str, Any] = {
        "alg": alg,
        "enc": enc,
        "epk": {
            "kty": "EC",
            "crv": "P-256",
            "x": b64u(numbers.x.to_bytes(32, "big")),
            "y": b64u(numbers.y.to_bytes(32, "big")),
        },
    }
    if kid == "from-jwk" and "kid" in recipient_jwk:
        header["kid"] = recipient_jwk["kid"]
    elif kid not in (None, "from-jwk"):
        header["kid"] = kid
    bits = {"A128GCM": 128, "A192GCM": 192, "A256GCM": 256}.get(enc, 128)
    cek = _concat_kdf(ephemeral.exchange(ec.ECDH(), recipient), enc, bits)
    protected = b64u(json.dumps(header, separators=(",", ":")).encode())
    iv = os.urandom(12)
    sealed = AESGCM(cek).encrypt(iv, json.dumps(params).encode(), protected.encode("ascii"))
    ciphertext, tag = sealed[:-16], sealed[-16:]
    if corrupt_tag:
        tag = bytes([tag[0] ^ 1]) + tag[1:]
    return ".".join([protected, "", b64u(iv), b64u(ciphertext), b64u(tag)])


def post_form(http: httpx.Client, url: str, params: Mapping[str, str]) -> httpx.Response:
    return http.post(url, data=dict(params))


def response_params(request: Request, vp_token: Mapping[str, Any]) -> dict[str, str]:
    """Section 8.2/8.3: the ``direct_post`` form, or ``response`` = JWE (``direct_post.jwt``)."""
    inner = {"vp_token": dict(vp_token), "state": request.state}
    if request.response_mode == "direct_post.jwt":
        return {"response": encrypt_response(inner, request.encryption_jwk())}
    return {"vp_token": json.dumps(dict(vp_token)), "state": request.state}


def error_params(request: Request, error: str = "access_denied") -> dict[str, str]:
    return {"error": error, "error_description": "The user declined.", "state": request.state}


@dataclass
class SpecWallet:
    """A holder with credentials, answering requests per the sections above."""

    http: httpx.Client
    holder_key: Any
    holder_did: str
    credentials: list[Held]
    did_key_of: Callable[[str], Mapping[str, Any]]
    now: Callable[[], int]
    fido: FidoDevice | None = None
    fido_vc: Mapping[str, Any] | None = None
    extra_disclosures: dict[str, list[list[Any]]] = field(default_factory=dict)
    #: the holder's cryptosuite on the FIDO presentation (the verifier offers both)
    fido_suite: str = "eddsa-rdfc-2022"

    def fetch(self, link: str) -> Request:
        return fetch_request(self.http, link, did_key_of=self.did_key_of)

    def vp_token(self, request: Request) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for query_id, (held, paths) in select(request.dcql, self.credentials).items():
            if held.format in ("vc+sd-jwt", "dc+sd-jwt"):
                paths = [*paths, *self.extra_disclosures.get(query_id, [])]
                out[query_id] = [
                    sd_jwt_presentation(
                        held.raw,
                        paths,
                        self.holder_key,
                        nonce=request.nonce,
                        aud=request.client_id,
                        iat=self.now(),
                    )
                ]
            elif held.format == "ldp_vc" and self.fido is not None:
                out[query_id] = [
                    fido_presentation(
                        held.raw,
                        self.fido,
                        self.holder_key,
                        self.holder_did,
                        nonce=request.nonce,
                        client_id=request.client_id,
                        cryptosuite=self.fido_suite,
                    )
                ]
        return out

    def present(self, link: str) -> httpx.Response:
        """Scan, fetch, consent, answer: the whole happy path."""
        request = self.fetch(link)
        return post_form(
            self.http, request.response_uri, response_params(request, self.vp_token(request))
        )
