"""What a wallet holds: the holder key, credentials, FIDO authenticators and the disclosure
history, as frozen values with a JSON form (the plaintext sealed in the encrypted store).

``WalletState.from_dict`` raises MalformedError ``wallet_damaged`` for a document that is not
a wallet (a backup of something else, a hand-edited file).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final

from passport.errors import MalformedError
from passport.keys import KeyType, PrivateKey

__all__ = [
    "LOW_COPIES",
    "WALLET_DOCUMENT_VERSION",
    "AuthenticatorRecord",
    "CredentialCopy",
    "Disclosure",
    "HeldCredential",
    "HistoryEntry",
    "SlotKey",
    "WalletState",
    "new_wallet",
]

WALLET_DOCUMENT_VERSION: Final = 1
#: below this many unused copies of a batch credential the wallet warns (``wallet refresh``)
LOW_COPIES: Final = 3
_KIND: Final = "dfp-wallet"


def _damaged(message: str) -> MalformedError:
    return MalformedError(
        "wallet_damaged",
        f"The wallet document is not readable ({message}); restore it from a backup "
        "(`wallet import FILE`).",
    )


@dataclass(frozen=True)
class SlotKey:
    """One one-time holder key of the wallet's pool (docs/unlinkability.md).

    Copy ``i`` of every batch-issued credential is bound to slot ``i``'s key, so that the
    credentials of one presentation share one holder key. ``used_by`` lists the verifiers
    (client_id) the slot was shown to: a slot with an entry is used.
    """

    index: int
    key: PrivateKey = field(repr=False)
    created_at: str
    used_by: tuple[str, ...] = ()

    @property
    def used(self) -> bool:
        return bool(self.used_by)

    @property
    def did(self) -> str:
        """The slot key's did:jwk (vc+sd-jwt copies name it as ``credentialSubject.id``)."""
        from passport.did.jwk import did_jwk_from_public_key

        return did_jwk_from_public_key(self.key.public_key)

    @property
    def kid(self) -> str:
        return f"{self.did}#0"

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "key": self.key.to_jwk(),
            "created_at": self.created_at,
            "used_by": list(self.used_by),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SlotKey:
        try:
            return cls(
                index=int(data["index"]),
                key=PrivateKey.from_jwk(data["key"]),
                created_at=str(data["created_at"]),
                used_by=tuple(str(u) for u in data.get("used_by", ())),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise _damaged(f"a holder key slot: {exc}") from exc


@dataclass(frozen=True)
class CredentialCopy:
    """One copy of a batch-issued credential: the slot whose key it is bound to, and the
    credential as issued."""

    slot: int
    credential: str | dict[str, Any] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"slot": self.slot, "credential": self.credential}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CredentialCopy:
        cred = data["credential"]
        if not isinstance(cred, (str, dict)):
            raise TypeError("a copy's credential must be a string or an object")
        return cls(int(data["slot"]), cred)


@dataclass(frozen=True)
class HeldCredential:
    """One credential in the wallet, as issued (``credential``: compact SD-JWT or JSON).

    ``status`` is the last status seen (``valid``, ``revoked``, ``suspended``, ``unknown``)
    and ``status_checked_at`` when; ``issuer_url`` is the OpenID4VCI Credential Issuer it
    came from (None for credentials that were not received over OpenID4VCI).
    """

    id: str
    format: str
    credential: str | dict[str, Any] = field(repr=False)
    issuer: str
    types: tuple[str, ...]
    vct: str | None
    received_at: str
    valid_from: str | None
    valid_until: str | None
    configuration_id: str
    issuer_url: str | None
    status: str = "valid"
    status_checked_at: str | None = None
    #: batch issuance: every copy and its slot (``credential`` is the first copy); empty
    #: for a credential issued once, bound to the holder's did:key
    copies: tuple[CredentialCopy, ...] = ()
    #: what ``wallet refresh`` needs to ask the issuer for a new batch (refresh token, ...)
    refresh: Mapping[str, Any] | None = field(default=None, repr=False)

    @property
    def is_batch(self) -> bool:
        return bool(self.copies)

    def copy_at(self, slot: int) -> CredentialCopy | None:
        return next((c for c in self.copies if c.slot == slot), None)

    @property
    def display_type(self) -> str:
        """The most specific type: the VC type after ``VerifiableCredential``, or the vct."""
        specific = [t for t in self.types if t != "VerifiableCredential"]
        if specific:
            return specific[-1]
        return self.vct or self.format

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "format": self.format,
            "credential": self.credential,
            "issuer": self.issuer,
            "types": list(self.types),
            "vct": self.vct,
            "received_at": self.received_at,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "configuration_id": self.configuration_id,
            "issuer_url": self.issuer_url,
            "status": self.status,
            "status_checked_at": self.status_checked_at,
            "copies": [c.to_dict() for c in self.copies],
            "refresh": dict(self.refresh) if self.refresh is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HeldCredential:
        try:
            cred = data["credential"]
            if not isinstance(cred, (str, dict)):
                raise TypeError("credential must be a string or an object")
            return cls(
                id=str(data["id"]),
                format=str(data["format"]),
                credential=cred,
                issuer=str(data["issuer"]),
                types=tuple(str(t) for t in data["types"]),
                vct=None if data.get("vct") is None else str(data["vct"]),
                received_at=str(data["received_at"]),
                valid_from=data.get("valid_from"),
                valid_until=data.get("valid_until"),
                configuration_id=str(data["configuration_id"]),
                issuer_url=data.get("issuer_url"),
                status=str(data.get("status", "unknown")),
                status_checked_at=data.get("status_checked_at"),
                copies=tuple(CredentialCopy.from_dict(c) for c in data.get("copies") or ()),
                refresh=dict(refresh)
                if isinstance(refresh := data.get("refresh"), Mapping)
                else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise _damaged(f"a credential record: {exc}") from exc


@dataclass(frozen=True)
class AuthenticatorRecord:
    """A FIDO authenticator the holder enrolled: ``kind`` ``software`` (``secret`` holds the
    software credential with its private key and counter) or ``usb`` (a CTAP2 key: only the
    credential id and relying party are kept). ``binding_credential_id`` names the
    FidoKeyBindingCredential the bank issued for it."""

    kind: str
    credential_id: str
    rp_id: str
    binding_credential_id: str | None
    secret: Mapping[str, Any] | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "credential_id": self.credential_id,
            "rp_id": self.rp_id,
            "binding_credential_id": self.binding_credential_id,
            "secret": dict(self.secret) if self.secret is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuthenticatorRecord:
        try:
            secret = data.get("secret")
            return cls(
                kind=str(data["kind"]),
                credential_id=str(data["credential_id"]),
                rp_id=str(data["rp_id"]),
                binding_credential_id=data.get("binding_credential_id"),
                secret=dict(secret) if isinstance(secret, Mapping) else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise _damaged(f"an authenticator record: {exc}") from exc


@dataclass(frozen=True)
class Disclosure:
    """One credential shown in a presentation: to which query, which claims (DCQL paths)."""

    query_id: str
    credential_id: str
    credential_type: str
    claims: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "query_id": self.query_id,
            "credential_id": self.credential_id,
            "credential_type": self.credential_type,
            "claims": list(self.claims),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Disclosure:
        return cls(
            str(data["query_id"]),
            str(data["credential_id"]),
            str(data["credential_type"]),
            tuple(str(c) for c in data["claims"]),
        )


@dataclass(frozen=True)
class HistoryEntry:
    """One answer to a verifier: ``outcome`` is ``sent`` (a presentation), ``refused`` (the
    holder said no: ``access_denied``), ``error`` (an error response the wallet sent) or
    ``failed`` (the presentation was sent and the verifier answered an error)."""

    at: str
    verifier: str
    verifier_accreditation: str | None
    outcome: str
    disclosed: tuple[Disclosure, ...]
    response_mode: str | None
    verifier_answer: Mapping[str, Any] | None
    redirect_uri: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "verifier": self.verifier,
            "verifier_accreditation": self.verifier_accreditation,
            "outcome": self.outcome,
            "disclosed": [d.to_dict() for d in self.disclosed],
            "response_mode": self.response_mode,
            "verifier_answer": dict(self.verifier_answer)
            if self.verifier_answer is not None
            else None,
            "redirect_uri": self.redirect_uri,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HistoryEntry:
        try:
            answer = data.get("verifier_answer")
            return cls(
                at=str(data["at"]),
                verifier=str(data["verifier"]),
                verifier_accreditation=data.get("verifier_accreditation"),
                outcome=str(data["outcome"]),
                disclosed=tuple(Disclosure.from_dict(d) for d in data["disclosed"]),
                response_mode=data.get("response_mode"),
                verifier_answer=dict(answer) if isinstance(answer, Mapping) else None,
                redirect_uri=data.get("redirect_uri"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise _damaged(f"a history entry: {exc}") from exc


@dataclass(frozen=True)
class WalletState:
    """The whole wallet. Every change returns a new state; the store seals it."""

    holder_key: PrivateKey = field(repr=False)
    created_at: str
    credentials: tuple[HeldCredential, ...] = ()
    authenticators: tuple[AuthenticatorRecord, ...] = ()
    history: tuple[HistoryEntry, ...] = ()
    slots: tuple[SlotKey, ...] = ()

    @property
    def did(self) -> str:
        # imported here: passport.did pulls in the did:web resolver (httpx), which light
        # commands such as `wallet list` do not need
        from passport.did.key import did_key_from_public_key

        return did_key_from_public_key(self.holder_key.public_key)

    @property
    def kid(self) -> str:
        did = self.did
        return f"{did}#{did.split(':')[2]}"

    def credential(self, ref: str) -> HeldCredential | None:
        """The credential whose local id is ``ref`` (or starts with it, when unambiguous)."""
        exact = [c for c in self.credentials if c.id == ref]
        if exact:
            return exact[0]
        prefixed = [c for c in self.credentials if c.id.startswith(ref)]
        return prefixed[0] if len(prefixed) == 1 else None

    def with_credential(self, cred: HeldCredential) -> WalletState:
        others = tuple(c for c in self.credentials if c.id != cred.id)
        return replace(self, credentials=(*others, cred))

    def with_authenticator(self, record: AuthenticatorRecord) -> WalletState:
        others = tuple(a for a in self.authenticators if a.credential_id != record.credential_id)
        return replace(self, authenticators=(*others, record))

    def with_history(self, entry: HistoryEntry) -> WalletState:
        return replace(self, history=(*self.history, entry))

    def slot(self, index: int) -> SlotKey | None:
        return next((s for s in self.slots if s.index == index), None)

    def with_slot(self, slot: SlotKey) -> WalletState:
        others = tuple(s for s in self.slots if s.index != slot.index)
        return replace(self, slots=tuple(sorted((*others, slot), key=lambda s: s.index)))

    def unused_copies(self, held: HeldCredential) -> int:
        """How many copies of ``held`` are bound to a slot no verifier has seen."""
        used = {s.index for s in self.slots if s.used}
        return sum(1 for c in held.copies if c.slot not in used)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": _KIND,
            "version": WALLET_DOCUMENT_VERSION,
            "holder_key": self.holder_key.to_jwk(),
            "created_at": self.created_at,
            "credentials": [c.to_dict() for c in self.credentials],
            "authenticators": [a.to_dict() for a in self.authenticators],
            "history": [h.to_dict() for h in self.history],
            "slots": [s.to_dict() for s in self.slots],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WalletState:
        if data.get("kind") != _KIND:
            raise _damaged("it is not a wallet document")
        if data.get("version") != WALLET_DOCUMENT_VERSION:
            raise _damaged(f"unsupported version {data.get('version')!r}")
        try:
            key = PrivateKey.from_jwk(data["holder_key"])
            return cls(
                holder_key=key,
                created_at=str(data["created_at"]),
                credentials=tuple(HeldCredential.from_dict(c) for c in data["credentials"]),
                authenticators=tuple(
                    AuthenticatorRecord.from_dict(a) for a in data["authenticators"]
                ),
                history=tuple(HistoryEntry.from_dict(h) for h in data["history"]),
                slots=tuple(SlotKey.from_dict(s) for s in data.get("slots") or ()),
            )
        except (KeyError, TypeError) as exc:
            raise _damaged(str(exc)) from exc


def new_wallet(now: datetime, rng: Any = None) -> WalletState:
    """A fresh wallet with a new Ed25519 holder key (its did:key is the holder's DID)."""
    return WalletState(
        holder_key=PrivateKey.generate(KeyType.ED25519, rng),
        created_at=now.isoformat(timespec="seconds"),
    )


def credential_local_id(credential: str | Mapping[str, Any]) -> str:
    """A short, stable local id: the first 12 hex digits of SHA-256 of the credential."""
    import hashlib  # here: only when a credential is added, not on the start-up path
    import json

    text = credential if isinstance(credential, str) else json.dumps(credential, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
