"""A small OpenID4VP 1.0 verifier written for the tests from the specification text, NOT from
the wallet's code (it imports nothing of ``passport.exchange.vp_wallet`` or ``passport.wallet``).

It runs on ``http.server`` in a thread on 127.0.0.1 and, per session:

- serves the Authorization Request by value (link parameters), or as a request object at a
  ``request_uri`` (section 5.7, JAR RFC 9101) answering ``GET`` or ``POST`` (section 5.10:
  the wallet's ``wallet_nonce`` is echoed in the signed object);
- signs it (``typ: oauth-authz-req+jwt``) with an Ed25519 key of a ``did:jwk`` or ``did:key``
  for ``decentralized_identifier:`` (section 5.9.3), or leaves it unsigned (``alg: none``)
  for ``redirect_uri:``, with ``response_uri`` = the identifier;
- for ``direct_post.jwt`` publishes an ephemeral P-256 ``ECDH-ES`` key in
  ``client_metadata.jwks`` and decrypts the ``response`` JWE itself with joserfc (section 8.3);
- checks the response (section 8.1, 8.6): ``vp_token`` is a JSON object whose keys are the
  query's credential ids, each a non-empty array; each SD-JWT presentation is verified with
  the project's core SD-JWT verifier against the issuer key the test gives, with the KB-JWT's
  ``nonce`` = the session nonce and ``aud`` = the client_id; ``state`` matches; a
  ``dc+sd-jwt`` presentation's ``typ`` is ``dc+sd-jwt`` and its ``vct`` one of the query's
  ``meta.vct_values`` (section 6.4.1, SD-JWT VC section 3.2.2.1);
- records error responses (section 8.5) and answers ``{"redirect_uri": ...}`` (section 8.2).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from jose_min import Ed25519Key
from joserfc import jwe
from joserfc.jwk import ECKey


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def did_jwk_of(key: Ed25519Key) -> str:
    public = key.public_jwk()
    return "did:jwk:" + b64u(json.dumps(public, separators=(",", ":")).encode())


def unsigned_jwt(payload: Mapping[str, Any]) -> str:
    """An unsecured JWT (RFC 7519 section 6): header {"alg":"none"}, empty signature."""
    header = b64u(json.dumps({"alg": "none", "typ": "oauth-authz-req+jwt"}).encode())
    return f"{header}.{b64u(json.dumps(dict(payload)).encode())}."


@dataclass
class Session:
    id: str
    client_id: str
    nonce: str
    state: str
    dcql_query: dict[str, Any]
    response_mode: str
    response_uri: str
    request_uri_method: str | None  # None: by value (or ``request`` param)
    signer: Ed25519Key | None
    signer_kid: str | None
    enc_key: ECKey | None
    transaction_data: list[str] | None = None
    tamper: str | None = None  # "sign_other_key", "wrong_nonce_echo", "response_uri"
    answer_error: str | None = None  # the verifier answers this error to the presentation
    received: list[dict[str, Any]] = field(default_factory=list)
    checked: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    wallet_nonce: str | None = None
    redirect_uri: str = ""

    def request_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "client_id": self.client_id,
            "response_type": "vp_token",
            "response_mode": self.response_mode,
            "response_uri": self.response_uri,
            "nonce": self.nonce,
            "state": self.state,
            "dcql_query": self.dcql_query,
        }
        if self.enc_key is not None:
            public = self.enc_key.as_dict(private=False)
            public.update({"use": "enc", "alg": "ECDH-ES", "kid": "enc-1"})
            params["client_metadata"] = {
                "jwks": {"keys": [public]},
                "encrypted_response_enc_values_supported": ["A256GCM", "A128GCM"],
                "vp_formats_supported": {"dc+sd-jwt": {}, "vc+sd-jwt": {}, "ldp_vc": {}},
            }
        if self.transaction_data is not None:
            params["transaction_data"] = self.transaction_data
        return params

    def request_object(self) -> str:
        payload = self.request_params()
        if self.request_uri_method == "post" and self.wallet_nonce is not None:
            payload["wallet_nonce"] = (
                "not-yours" if self.tamper == "wrong_nonce_echo" else self.wallet_nonce
            )
        if self.signer is None:
            return unsigned_jwt(payload)
        key = self.signer
        if self.tamper == "sign_other_key":
            key = Ed25519Key()
        header = {"typ": "oauth-authz-req+jwt", "kid": self.signer_kid}
        return key.sign_jws(header, payload)


def _check_meta(dcql_query: Mapping[str, Any], query_id: str, presentation: Any) -> None:
    """Section 6.4.1 for ``dc+sd-jwt``: the issuer-signed JWT's ``typ`` and its ``vct``."""
    query = next(c for c in dcql_query["credentials"] if c["id"] == query_id)
    if query["format"] != "dc+sd-jwt":
        return
    jws = str(presentation).split("~")[0]
    header = json.loads(b64u_decode(jws.split(".")[0]))
    payload = json.loads(b64u_decode(jws.split(".")[1]))
    if header.get("typ") != "dc+sd-jwt":
        raise ValueError(f"{query_id}: typ {header.get('typ')!r} is not dc+sd-jwt")
    wanted = query.get("meta", {}).get("vct_values")
    if wanted is not None and payload.get("vct") not in wanted:
        raise ValueError(f"{query_id}: vct {payload.get('vct')!r} is not one of {wanted}")


class SpecVerifier:
    """The verifier. ``check_presentation(query_id, presentation, session)`` is the test's
    SD-JWT / VP checker: it returns the disclosed claims or raises."""

    def __init__(self, check_presentation: Callable[[str, Any, Session], dict[str, Any]]):
        self.check_presentation = check_presentation
        self.sessions: dict[str, Session] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SpecVerifier:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def new_session(
        self,
        dcql_query: dict[str, Any],
        *,
        prefix: str = "decentralized_identifier",
        did_method: str = "jwk",
        response_mode: str = "direct_post",
        request_uri_method: str | None = "get",
        transaction_data: list[str] | None = None,
        tamper: str | None = None,
        answer_error: str | None = None,
        identity: tuple[Ed25519Key, str, str] | None = None,
    ) -> tuple[Session, str]:
        """A session; ``identity`` = (signing key, DID, kid) signs as an existing DID (e.g. a
        did:ethr whose Ed25519 key is published in the registry) instead of a fresh one."""
        sid = secrets.token_urlsafe(8)
        response_uri = f"{self.base}/response/{sid}"
        signer: Ed25519Key | None = None
        kid: str | None = None
        if prefix == "decentralized_identifier" and identity is not None:
            signer, did, kid = identity
            client_id = f"decentralized_identifier:{did}"
        elif prefix == "decentralized_identifier":
            signer = Ed25519Key()
            if did_method == "jwk":
                did = did_jwk_of(signer)
                kid = did + "#0"
            else:
                from passport.did.key import did_key_from_public_key
                from passport.keys import PublicKey

                public = PublicKey.from_jwk(signer.public_jwk())
                did = did_key_from_public_key(public)
                kid = f"{did}#{did.split(':')[2]}"
            client_id = f"decentralized_identifier:{did}"
        else:
            client_id = f"redirect_uri:{response_uri}"
        if tamper == "response_uri":
            response_uri = f"{self.base}/elsewhere/{sid}"
        session = Session(
            id=sid,
            client_id=client_id,
            nonce=secrets.token_urlsafe(16),
            state=secrets.token_urlsafe(8),
            dcql_query=dcql_query,
            response_mode=response_mode,
            response_uri=response_uri,
            request_uri_method=request_uri_method,
            signer=signer,
            signer_kid=kid,
            enc_key=ECKey.generate_key("P-256") if response_mode == "direct_post.jwt" else None,
            transaction_data=transaction_data,
            tamper=tamper,
            answer_error=answer_error,
            redirect_uri=f"{self.base}/done/{sid}",
        )
        self.sessions[sid] = session
        if request_uri_method is None:  # by value, only for redirect_uri (section 5.9.3)
            params = {
                k: (v if isinstance(v, str) else json.dumps(v))
                for k, v in session.request_params().items()
            }
            link = "openid4vp://?" + urlencode(params)
        else:
            query = {"client_id": client_id, "request_uri": f"{self.base}/request/{sid}"}
            if request_uri_method == "post":
                query["request_uri_method"] = "post"
            link = "openid4vp://?" + urlencode(query)
        return session, link

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        verifier = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def _session(self) -> Session | None:
                return verifier.sessions.get(urlsplit(self.path).path.rsplit("/", 1)[-1])

            def _send(self, status: int, body: Any, ctype: str = "application/json") -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _form(self) -> dict[str, str]:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length).decode()
                return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}

            def do_GET(self) -> None:
                session = self._session()
                path = urlsplit(self.path).path
                if session is None:
                    self._send(404, {"error": "not_found"})
                elif path.startswith("/request/"):
                    if session.request_uri_method == "post":
                        self._send(405, {"error": "invalid_request"})
                        return
                    self._send(
                        200, session.request_object().encode(), "application/oauth-authz-req+jwt"
                    )
                else:
                    self._send(200, {"done": True})

            def do_POST(self) -> None:
                session = self._session()
                path = urlsplit(self.path).path
                if session is None:
                    self._send(404, {"error": "not_found"})
                    return
                form = self._form()
                if path.startswith("/request/"):
                    session.wallet_nonce = form.get("wallet_nonce")
                    self._send(
                        200, session.request_object().encode(), "application/oauth-authz-req+jwt"
                    )
                    return
                self._response(session, form)

            def _response(self, session: Session, form: dict[str, str]) -> None:
                if session.response_mode == "direct_post.jwt":
                    if "response" not in form or "vp_token" in form:
                        session.problems.append("direct_post.jwt without a response JWE")
                        self._send(400, {"error": "invalid_request"})
                        return
                    assert session.enc_key is not None
                    decrypted = jwe.decrypt_compact(form["response"], session.enc_key)
                    header = decrypted.protected
                    if header.get("alg") != "ECDH-ES" or header.get("kid") != "enc-1":
                        session.problems.append(f"JWE header {header}")
                    params = json.loads(decrypted.plaintext or b"{}")
                else:
                    params = dict(form)
                    if "vp_token" in params:
                        params["vp_token"] = json.loads(params["vp_token"])
                session.received.append(params)
                if params.get("state") != session.state:
                    session.problems.append("state mismatch")
                if "error" in params:
                    self._send(200, {})
                    return
                token = params.get("vp_token")
                query_ids = {c["id"] for c in session.dcql_query["credentials"]}
                if not isinstance(token, dict) or not token or not set(token) <= query_ids:
                    session.problems.append(f"vp_token shape: {token!r}")
                    self._send(400, {"error": "invalid_request"})
                    return
                try:
                    for query_id, presentations in token.items():
                        if not isinstance(presentations, list) or not presentations:
                            raise ValueError(f"{query_id}: not a non-empty array")
                        for p in presentations:
                            _check_meta(session.dcql_query, query_id, p)
                            claims = verifier.check_presentation(query_id, p, session)
                            session.checked.append({"query_id": query_id, "claims": claims})
                except Exception as exc:  # noqa: BLE001 - report and answer an error
                    session.problems.append(f"{type(exc).__name__}: {exc}")
                    self._send(400, {"error": "invalid_request", "error_description": str(exc)})
                    return
                if session.answer_error is not None:
                    self._send(400, {"error": session.answer_error, "error_description": "policy"})
                    return
                self._send(200, {"redirect_uri": session.redirect_uri})

        return Handler
