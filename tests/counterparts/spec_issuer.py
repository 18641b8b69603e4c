"""A small OpenID4VCI 1.0 Credential Issuer written for the tests from the specifications
(OpenID4VCI 1.0, IETF SD-JWT VC, RFC 9901, IETF Token Status List), not from the project's
issuer: it issues ``dc+sd-jwt`` credentials signed by a ``did:jwk`` (or ``did:web``) issuer.

Pre-authorized code flow (section 3.5): metadata (12.2), AS metadata (RFC 8414), token
endpoint with ``tx_code`` (6), nonce endpoint (7), credential endpoint with a ``jwt`` proof
(8, appendix F.1) whose key (``jwk`` header, or a did:key ``kid``) becomes ``cnf.jwk``.
The SD-JWT is built here with RFC 9901 section 4.2: each claim a Disclosure
``[salt, name, value]``, its SHA-256 digest in ``_sd``. A ``status.status_list`` reference
points at a Token Status List (``statuslist+jwt``, 1 bit per token, DEFLATE + base64url).

Batch issuance (OpenID4VCI 1.0 sections 8.2 and 12.2.4), with ``batch_size``: the metadata
advertises ``batch_credential_issuance: {"batch_size": N}``; a Credential Request may carry up
to N ``jwt`` proofs in ``proofs``, all over one ``c_nonce``, each by its own key; the response's
``credentials`` holds one credential per proof (each with its own salts and status index,
``cnf.jwk`` = that proof's key). More proofs than N: ``invalid_proof``. With
``refresh_tokens`` the Token Response carries a ``refresh_token`` (RFC 6749 section 6) that the
token endpoint trades for a new access token (``grant_type=refresh_token``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from jose_min import Ed25519Key, verify_jws

VCT = "https://credentials.example.com/identity_credential"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Offer:
    code: str
    tx_code: str | None
    used: bool = False
    expires: float = 0.0


@dataclass
class SpecIssuer:
    claims: dict[str, Any]
    binding_methods: list[str] = field(default_factory=lambda: ["jwk"])
    did_method: str = "jwk"
    offers: dict[str, Offer] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    nonces: set[str] = field(default_factory=set)
    revoked: set[int] = field(default_factory=set)
    issued: list[str] = field(default_factory=list)
    next_index: int = 3
    # knobs for the wallet's negative tests: bind the credential to another key than the
    # proof's, and answer the did:web document request with another HTTP status
    bind_to: dict[str, Any] | None = None
    did_document_status: int = 200
    batch_size: int | None = None
    refresh_tokens: bool = False
    refresh: dict[str, str] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    used_indexes: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.key = Ed25519Key()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        public = self.key.public_jwk()
        if self.did_method == "jwk":
            self.did = "did:jwk:" + b64u(json.dumps(public, separators=(",", ":")).encode())
            self.kid = self.did + "#0"
        else:  # did:web on this host and port (did:web section 3.2: the port is %3A-encoded)
            host = f"127.0.0.1%3A{self.server.server_address[1]}"
            self.did = f"did:web:{host}"
            self.kid = self.did + "#key-1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SpecIssuer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- offers --------------------------------------------------------------------------

    def offer(
        self, *, tx_code: str | None = "493536", ttl: float = 300, by_reference: bool = False
    ) -> str:
        code = secrets.token_urlsafe(16)
        self.offers[code] = Offer(code, tx_code, expires=time.time() + ttl)
        grant: dict[str, Any] = {"pre-authorized_code": code}
        if tx_code is not None:
            grant["tx_code"] = {"length": len(tx_code), "input_mode": "numeric"}
        body = {
            "credential_issuer": self.base,
            "credential_configuration_ids": ["identity_sd_jwt"],
            "grants": {"urn:ietf:params:oauth:grant-type:pre-authorized_code": grant},
        }
        if by_reference:
            self._by_ref = body
            return "openid-credential-offer://?credential_offer_uri=" + quote(
                f"{self.base}/offer", safe=""
            )
        return "openid-credential-offer://?credential_offer=" + quote(json.dumps(body), safe="")

    def metadata(self) -> dict[str, Any]:
        batch = (
            {}
            if self.batch_size is None
            else {"batch_credential_issuance": {"batch_size": self.batch_size}}
        )
        return {
            **batch,
            "credential_issuer": self.base,
            "credential_endpoint": f"{self.base}/credential",
            "nonce_endpoint": f"{self.base}/nonce",
            "credential_configurations_supported": {
                "identity_sd_jwt": {
                    "format": "dc+sd-jwt",
                    "vct": VCT,
                    "cryptographic_binding_methods_supported": self.binding_methods,
                    "credential_signing_alg_values_supported": ["EdDSA"],
                    "proof_types_supported": {
                        "jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}
                    },
                }
            },
        }

    def did_document(self) -> dict[str, Any]:
        public = self.key.public_jwk()
        return {
            "@context": ["https://www.w3.org/ns/did/v1"],
            "id": self.did,
            "verificationMethod": [
                {
                    "id": self.kid,
                    "type": "JsonWebKey2020",
                    "controller": self.did,
                    "publicKeyJwk": public,
                }
            ],
            "assertionMethod": [self.kid],
        }

    # --- the SD-JWT VC (RFC 9901 section 4.2, SD-JWT VC section 3) -------------------------

    def sd_jwt(self, holder_jwk: dict[str, Any]) -> str:
        disclosures: list[str] = []
        digests: list[str] = []
        for name, value in self.claims.items():
            disclosure = b64u(json.dumps([b64u(secrets.token_bytes(16)), name, value]).encode())
            disclosures.append(disclosure)
            digests.append(b64u(hashlib.sha256(disclosure.encode()).digest()))
        now = int(time.time())
        if self.batch_size is None:
            index = self.next_index
            self.next_index += 1
        else:  # every copy its own random index (herd privacy), never one seen before
            index = secrets.randbelow(120)
            while index in self.used_indexes:
                index = secrets.randbelow(120)
        self.used_indexes.add(index)
        payload = {
            "iss": self.did,
            "iat": now,
            "exp": now + 86400 * 365,
            "vct": VCT,
            "cnf": {"jwk": self.bind_to or holder_jwk},
            "_sd": sorted(digests),
            "_sd_alg": "sha-256",
            "status": {"status_list": {"idx": index, "uri": f"{self.base}/status/1"}},
        }
        header = {"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": self.kid}
        token = self.key.sign_jws(header, payload)
        compact = token + "~" + "".join(d + "~" for d in disclosures)
        self.issued.append(compact)
        return compact

    def status_list_token(self) -> str:
        bits = bytearray(16)
        for idx in self.revoked:
            bits[idx // 8] |= 1 << (idx % 8)
        payload = {
            "sub": f"{self.base}/status/1",
            "iat": int(time.time()),
            "status_list": {"bits": 1, "lst": b64u(zlib.compress(bytes(bits)))},
        }
        header = {"alg": "EdDSA", "typ": "statuslist+jwt", "kid": self.kid}
        return self.key.sign_jws(header, payload)

    def _proof_key(self, proof: str, nonce_ok: set[str]) -> dict[str, Any]:
        """Appendix F.1 / F.4: typ, aud, nonce, and the signature by the key in the header."""
        header = json.loads(b64u_decode(proof.split(".")[0]))
        payload = json.loads(b64u_decode(proof.split(".")[1]))
        if header.get("typ") != "openid4vci-proof+jwt":
            raise ValueError("proof typ")
        if payload.get("aud") != self.base or payload.get("nonce") not in nonce_ok:
            raise ValueError("proof aud or nonce")
        if "jwk" in header:
            if "jwk" not in self.binding_methods:
                raise ValueError("jwk binding not offered")
            jwk = header["jwk"]
        else:
            from passport.did.key import public_key_from_did_key

            if "did:key" not in self.binding_methods:
                raise ValueError("did:key binding not offered")
            jwk = public_key_from_did_key(header["kid"].split("#")[0]).to_jwk()
        verify_jws(proof, jwk)  # raises when it fails
        return {k: jwk[k] for k in ("kty", "crv", "x")}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def _send(self, status: int, body: Any, ctype: str = "application/json") -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if path == "/.well-known/openid-credential-issuer":
                    self._send(200, issuer.metadata())
                elif path == "/.well-known/oauth-authorization-server":
                    self._send(
                        200, {"issuer": issuer.base, "token_endpoint": f"{issuer.base}/token"}
                    )
                elif path == "/.well-known/did.json":
                    self._send(issuer.did_document_status, issuer.did_document())
                elif path == "/offer":
                    self._send(200, issuer._by_ref)
                elif path == "/status/1":
                    self._send(
                        200, issuer.status_list_token().encode(), "application/statuslist+jwt"
                    )
                else:
                    self._send(404, {"error": "not_found"})

            def do_POST(self) -> None:
                path = urlsplit(self.path).path
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length).decode()
                if path == "/token" and "grant_type=refresh_token" in raw:
                    form = {k: v[0] for k, v in parse_qs(raw).items()}
                    code = issuer.refresh.get(form.get("refresh_token", ""))
                    if code is None:
                        self._send(400, {"error": "invalid_grant"})
                        return
                    token = secrets.token_urlsafe(16)
                    issuer.tokens[token] = code
                    self._send(200, {"access_token": token, "token_type": "Bearer"})
                elif path == "/token":
                    form = {k: v[0] for k, v in parse_qs(raw).items()}
                    offer = issuer.offers.get(form.get("pre-authorized_code", ""))
                    if offer is None or offer.used or offer.expires < time.time():
                        self._send(
                            400,
                            {
                                "error": "invalid_grant",
                                "error_description": "unknown, used or expired",
                            },
                        )
                        return
                    if offer.tx_code is not None and form.get("tx_code") != offer.tx_code:
                        self._send(
                            400, {"error": "invalid_grant", "error_description": "wrong tx_code"}
                        )
                        return
                    offer.used = True
                    token = secrets.token_urlsafe(16)
                    issuer.tokens[token] = offer.code
                    answer = {"access_token": token, "token_type": "Bearer", "expires_in": 300}
                    if issuer.refresh_tokens:
                        refresh = secrets.token_urlsafe(16)
                        issuer.refresh[refresh] = offer.code
                        answer["refresh_token"] = refresh
                    self._send(200, answer)
                elif path == "/nonce":
                    nonce = secrets.token_urlsafe(12)
                    issuer.nonces.add(nonce)
                    self._send(200, {"c_nonce": nonce})
                elif path == "/credential":
                    auth = self.headers.get("Authorization", "")
                    if not auth.startswith("Bearer ") or auth[7:] not in issuer.tokens:
                        self._send(401, {"error": "invalid_token"})
                        return
                    body = json.loads(raw)
                    issuer.requests.append(body)
                    try:
                        proofs = body["proofs"]["jwt"]
                        limit = issuer.batch_size or 1
                        if not isinstance(proofs, list) or not 1 <= len(proofs) <= limit:
                            raise ValueError(f"between 1 and {limit} proofs are accepted")
                        nonces = {
                            json.loads(b64u_decode(p.split(".")[1])).get("nonce") for p in proofs
                        }
                        if len(nonces) != 1:
                            raise ValueError("the proofs of one request share one c_nonce")
                        jwks = [issuer._proof_key(p, issuer.nonces) for p in proofs]
                        if len({json.dumps(j, sort_keys=True) for j in jwks}) != len(jwks):
                            raise ValueError("each proof of a batch needs its own key")
                    except Exception as exc:  # noqa: BLE001
                        self._send(400, {"error": "invalid_proof", "error_description": str(exc)})
                        return
                    del issuer.tokens[auth[7:]]
                    issued = [{"credential": issuer.sd_jwt(jwk)} for jwk in jwks]
                    issued.reverse()  # the order of the response is not the order of the proofs
                    self._send(200, {"credentials": issued})
                else:
                    self._send(404, {"error": "not_found"})

        return Handler
