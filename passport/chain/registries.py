"""Clients of the trust registry (who may issue what) and the status and anchor registry.

``TrustRegistryClient``: the regulator (the TrustRegistry's root) appoints accreditors; the
root or an accreditor accredits an issuer (its did:ethr identity address) for credential
types (ids ``keccak256(typeName)``) in one ISO 3166-1 alpha-2 jurisdiction over
[valid_from, valid_until), and suspends, reinstates or revokes it. ``is_accredited`` /
``status`` ask the contract about any moment; ``history`` replays the issuer's events.

``accreditation_check(trust, now)`` plugs into ``VerifyOptions.credential_checks``: it asks
the contract's ``status`` whether the credential's issuer was accredited for the credential's
types at ``now`` (one ``eth_call`` per issuer and type), and reuses an answer for
``cache_ttl`` seconds of the client's clock (``refresh()`` drops the answers about issuers
with new trust events: one ``eth_blockNumber`` + one ``eth_getLogs``). So a warm
verification makes no RPC call, and a suspension or an expiry is seen at most ``cache_ttl``
seconds late (or at the next ``refresh()``). The rule itself stays in the contract: nothing
here re-implements it.

``StatusRegistryClient``: an issuer's owner publishes, per status list (``listId =
keccak256(list URL)``), the sha-256 digest of the list credential's JCS bytes, its URI and
an increasing version; and anchors Merkle roots of issuance batches
(``passport.chain.merkle``), one storage slot each.

Error codes: ``jurisdiction_invalid``, ``issuer_invalid``, ``credential_types_invalid``,
``digest_invalid``, ``validity_window_invalid`` (MalformedError, bad arguments);
``issuer_not_accredited`` (VerdictError, from the credential check); ``status_list_mismatch``
(VerdictError: a status list credential whose digest is not the anchored one);
``status_list_not_anchored`` (CouldNotCheckError); and those of ``Chain``:
``contract_reverted`` (an unauthorised write: ``NotRoot``, ``NotAuthorised``,
``NotIssuerOwner``; a stale version: ``VersionNotIncreasing``; ...), ``rpc_unavailable``.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from eth_utils.abi import event_abi_to_log_topic
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3.contract import Contract

from passport.chain.client import Chain, OpResult, Sender
from passport.chain.deployment import Deployment
from passport.credentials.fields import issuer_id
from passport.did.ethr.identifier import parse_ethr_did
from passport.errors import CouldNotCheckError, MalformedError, VerdictError
from passport.ports import Clock, SystemClock

__all__ = [
    "ISO_3166_ALPHA2",
    "STATUS_NAMES",
    "BatchAnchor",
    "StatusListAnchor",
    "StatusRegistryClient",
    "TrustEvent",
    "TrustRegistryClient",
    "accreditation_check",
    "credential_type_id",
    "list_id",
    "status_list_digest",
]

# ISO 3166-1 alpha-2 officially assigned codes (ISO 3166 Maintenance Agency, 249 codes).
ISO_3166_ALPHA2 = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO
    DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU
    GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW
    KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU
    MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW
    PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA
    ZM ZW""".split()  # noqa: SIM905 - a table reads better than 249 quoted strings
)

STATUS_NAMES = ("not_accredited", "accredited", "not_yet_valid", "expired", "suspended", "revoked")
"""The contract's ``Status`` enum, in order, as snake_case names."""

_ISSUER_EVENTS = ("Accredited", "Suspended", "Reinstated", "Revoked")


def credential_type_id(name: str) -> bytes:
    """The on-chain id of a credential type: ``keccak256(utf8(name))``."""
    return keccak(text=name)


def list_id(list_url: str) -> bytes:
    """The on-chain id of a status list: ``keccak256(utf8(list URL))``."""
    return keccak(text=list_url)


def status_list_digest(credential: Mapping[str, Any]) -> bytes:
    """sha-256 of the status list credential's RFC 8785 (JCS) bytes, proof included: what
    ``publish_status_list`` anchors. Raises ``jcs_invalid``."""
    from passport.di.jcs import canonicalize

    return hashlib.sha256(canonicalize(dict(credential))).digest()


def _timestamp(value: datetime, name: str) -> int:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise MalformedError(
            "validity_window_invalid", f"{name} must be a timezone-aware datetime."
        )
    return int(value.timestamp())


def _dt(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _issuer_address(issuer: str, chain_id: int) -> str:
    """The identity address of ``issuer`` (a did:ethr of this chain, or a 0x address).

    Raises ``issuer_invalid``."""
    if isinstance(issuer, str):
        return _issuer_address_of(issuer, chain_id)
    return _issuer_address_of.__wrapped__(issuer, chain_id)


@functools.lru_cache(maxsize=4096)  # pure; a checksum address costs a keccak
def _issuer_address_of(issuer: str, chain_id: int) -> str:
    if isinstance(issuer, str) and issuer.startswith("did:"):
        try:
            parsed = parse_ethr_did(issuer)
        except MalformedError as exc:
            raise MalformedError(
                "issuer_invalid",
                f"{issuer} is not a did:ethr: only did:ethr issuers are in the trust registry.",
                details={"issuer": issuer},
            ) from exc
        if parsed.chain_id != chain_id:
            raise MalformedError(
                "issuer_invalid",
                f"{issuer} is on chain {hex(parsed.chain_id)}, not this registry's chain "
                f"{hex(chain_id)}.",
                details={"issuer": issuer},
            )
        return parsed.address
    try:
        return to_checksum_address(issuer)
    except (ValueError, TypeError) as exc:
        raise MalformedError(
            "issuer_invalid",
            f"{issuer!r} is neither a did:ethr nor an Ethereum address.",
            details={"issuer": str(issuer)},
        ) from exc


# --- trust registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TrustEvent:
    """One event in an issuer's trust history (``kind``: accredited, suspended, reinstated,
    revoked). Accreditations carry types, jurisdiction and window; suspensions and
    revocations the reason; ``at`` is when the contract says it took effect."""

    kind: str
    by: str
    block: int
    timestamp: datetime
    tx_hash: str
    types: tuple[str, ...] = ()
    jurisdiction: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    accreditation_id: int | None = None
    at: datetime | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "by": self.by,
            "block": self.block,
            "timestamp": self.timestamp.isoformat(),
            "tx_hash": self.tx_hash,
        }
        if self.kind == "accredited":
            out.update(
                types=list(self.types),
                jurisdiction=self.jurisdiction,
                valid_from=self.valid_from.isoformat() if self.valid_from else None,
                valid_until=self.valid_until.isoformat() if self.valid_until else None,
                accreditation_id=self.accreditation_id,
            )
        else:
            out["at"] = self.at.isoformat() if self.at else None
            if self.reason is not None:
                out["reason"] = self.reason
        return out


class TrustRegistryClient:
    """The TrustRegistry of ``deployment`` on ``chain``.

    ``sender`` (an unlocked dev account or a secp256k1 ``PrivateKey``) sends the writes
    unless a method is given its own; it must be the root (regulator) or, for accreditation
    operations, an appointed accreditor — anyone else's write reverts (``contract_reverted``).
    ``known_types`` names the credential types whose ids ``history`` turns back into names.
    """

    def __init__(
        self,
        chain: Chain,
        deployment: Deployment,
        *,
        sender: Sender | None = None,
        known_types: Iterable[str] | None = None,
        clock: Clock | None = None,
        cache_ttl: float = 300.0,
    ) -> None:
        from passport.credentials import CREDENTIAL_TYPES

        self.chain = chain
        self.deployment = deployment
        self.sender = sender
        self.contract: Contract = deployment.contract(chain, "TrustRegistry")
        self.clock: Clock = clock or SystemClock()
        self.cache_ttl = cache_ttl
        self._type_names = {credential_type_id(n): n for n in (known_types or CREDENTIAL_TYPES)}
        abi = cast(list[dict[str, Any]], self.contract.abi)
        self._topics = {
            e["name"]: event_abi_to_log_topic(cast(Any, e))
            for e in abi
            if e.get("type") == "event" and e.get("name") in _ISSUER_EVENTS
        }
        self._answers: dict[tuple[str, str], tuple[datetime, int, str]] = {}
        self._synced_block: int | None = None
        self._lock = threading.Lock()

    # -- writes --

    def _send(self, fn: Any, op: str, sender: Sender | None) -> OpResult:
        who = sender if sender is not None else self.sender
        if who is None:
            who = self.deployment.deployer
        receipt = self.chain.transact(fn, sender=who, op=op)
        return OpResult.of(op, receipt)

    def appoint_accreditor(self, accreditor: str, *, sender: Sender | None = None) -> OpResult:
        """Root only. Raises ``contract_reverted`` (``NotRoot``, ``AlreadyAccreditor``)."""
        fn = self.contract.functions.appointAccreditor(to_checksum_address(accreditor))
        return self._send(fn, "appointAccreditor", sender)

    def remove_accreditor(self, accreditor: str, *, sender: Sender | None = None) -> OpResult:
        """Root only. Raises ``contract_reverted`` (``NotRoot``, ``NotAnAccreditor``)."""
        fn = self.contract.functions.removeAccreditor(to_checksum_address(accreditor))
        return self._send(fn, "removeAccreditor", sender)

    def accredit(
        self,
        issuer: str,
        types: Sequence[str],
        jurisdiction: str,
        valid_from: datetime,
        valid_until: datetime,
        *,
        sender: Sender | None = None,
    ) -> OpResult:
        """Accredit ``issuer`` (did:ethr or address) for ``types`` in ``jurisdiction`` (ISO
        3166-1 alpha-2) over [valid_from, valid_until).

        Raises ``issuer_invalid``, ``credential_types_invalid``, ``jurisdiction_invalid``,
        ``validity_window_invalid``; ``contract_reverted`` (``NotAuthorised``, ...).
        """
        address = _issuer_address(issuer, self.deployment.chain_id)
        if isinstance(types, str) or not types or not all(isinstance(t, str) and t for t in types):
            raise MalformedError(
                "credential_types_invalid",
                "Name at least one credential type (e.g. ['KYCCredential']).",
            )
        if not isinstance(jurisdiction, str) or jurisdiction not in ISO_3166_ALPHA2:
            raise MalformedError(
                "jurisdiction_invalid",
                f"{jurisdiction!r} is not an ISO 3166-1 alpha-2 country code (e.g. 'TW', 'FR').",
                details={"jurisdiction": str(jurisdiction)},
            )
        start = _timestamp(valid_from, "valid_from")
        end = _timestamp(valid_until, "valid_until")
        if end <= start:
            raise MalformedError(
                "validity_window_invalid", "valid_until must be later than valid_from."
            )
        for name in types:
            self._type_names[credential_type_id(name)] = name
        fn = self.contract.functions.accredit(
            address,
            [credential_type_id(t) for t in types],
            jurisdiction.encode("ascii"),
            start,
            end,
        )
        return self._send(fn, "accredit", sender)

    def suspend(self, issuer: str, reason: str = "", *, sender: Sender | None = None) -> OpResult:
        """Suspend every accreditation of ``issuer`` from now. Raises ``contract_reverted``
        (``NotAuthorised``, ``NotAccredited``, ``AlreadySuspended``)."""
        address = _issuer_address(issuer, self.deployment.chain_id)
        return self._send(self.contract.functions.suspend(address, reason), "suspend", sender)

    def reinstate(self, issuer: str, *, sender: Sender | None = None) -> OpResult:
        """End the suspension of ``issuer`` now. Raises ``contract_reverted``
        (``NotAuthorised``, ``NotSuspended``)."""
        address = _issuer_address(issuer, self.deployment.chain_id)
        return self._send(self.contract.functions.reinstate(address), "reinstate", sender)

    def revoke(self, issuer: str, reason: str = "", *, sender: Sender | None = None) -> OpResult:
        """End every accreditation of ``issuer`` now. Raises ``contract_reverted``
        (``NotAuthorised``, ``NotAccredited``)."""
        address = _issuer_address(issuer, self.deployment.chain_id)
        return self._send(self.contract.functions.revoke(address, reason), "revoke", sender)

    # -- reads --

    def status(self, issuer: str, credential_type: str, at: datetime) -> str:
        """The contract's answer (one of ``STATUS_NAMES``) for ``issuer`` and
        ``credential_type`` at ``at`` (one ``eth_call``)."""
        address = _issuer_address(issuer, self.deployment.chain_id)
        value = self.chain.call(
            self.contract.functions.status(
                address, credential_type_id(credential_type), _timestamp(at, "at")
            )
        )
        return STATUS_NAMES[int(value)]

    def is_accredited(self, issuer: str, credential_type: str, at: datetime) -> bool:
        """Was ``issuer`` accredited for ``credential_type`` at ``at`` (one ``eth_call``)?"""
        address = _issuer_address(issuer, self.deployment.chain_id)
        return bool(
            self.chain.call(
                self.contract.functions.isAccredited(
                    address, credential_type_id(credential_type), _timestamp(at, "at")
                )
            )
        )

    def is_accreditor(self, address: str) -> bool:
        return bool(self.chain.call(self.contract.functions.isAccreditor(address)))

    def _issuer_logs(self, address: str) -> list[Any]:
        topic = "0x" + bytes(12).hex() + address[2:].lower()
        logs = self.chain.w3.eth.get_logs(
            {
                "address": self.contract.address,
                "fromBlock": self.deployment.deploy_block,
                "toBlock": "latest",
                "topics": [["0x" + t.hex() for t in self._topics.values()], topic],
            }
        )
        out = []
        for log in logs:
            topic0 = bytes(log["topics"][0])
            name = next(n for n, t in self._topics.items() if t == topic0)
            out.append(getattr(self.contract.events, name)().process_log(log))
        return out

    def history(self, issuer: str) -> list[TrustEvent]:
        """The issuer's trust events, oldest first (one ``eth_getLogs`` + one block read per
        distinct block for its timestamp)."""
        address = _issuer_address(issuer, self.deployment.chain_id)
        stamps: dict[int, int] = {}
        out: list[TrustEvent] = []
        for event in self._issuer_logs(address):
            block = int(event["blockNumber"])
            if block not in stamps:
                stamps[block] = self.chain.block_timestamp(block)
            args = event["args"]
            common: dict[str, Any] = {
                "by": str(args["by"]),
                "block": block,
                "timestamp": _dt(stamps[block]),
                "tx_hash": HexBytes(event["transactionHash"]).to_0x_hex(),
            }
            name = str(event["event"])
            if name == "Accredited":
                out.append(
                    TrustEvent(
                        kind="accredited",
                        types=tuple(
                            self._type_names.get(bytes(t), "0x" + bytes(t).hex())
                            for t in args["credentialTypes"]
                        ),
                        jurisdiction=bytes(args["jurisdiction"]).decode("ascii", "replace"),
                        valid_from=_dt(int(args["validFrom"])),
                        valid_until=_dt(int(args["validUntil"])),
                        accreditation_id=int(args["accreditationId"]),
                        **common,
                    )
                )
            else:
                out.append(
                    TrustEvent(
                        kind=name.lower(),
                        at=_dt(int(args["at"])),
                        reason=str(args["reason"]) if "reason" in args else None,
                        **common,
                    )
                )
        return out

    def accreditation_status(self, issuer: str, credential_type: str, at: datetime) -> str:
        """``status`` through a cache: an answer is reused for ``cache_ttl`` seconds of the
        client's clock, for any ``at`` within ``cache_ttl`` seconds of the one it was asked
        for, until ``refresh()`` sees a trust event of the issuer. So a window boundary or a
        suspension is seen at most ``cache_ttl`` seconds late; a cold answer costs one
        ``eth_call``."""
        address = _issuer_address(issuer, self.deployment.chain_id)
        when = _timestamp(at, "at")
        key = (address, credential_type)
        now = self.clock.now()
        with self._lock:
            hit = self._answers.get(key)
        if (
            hit is not None
            and (now - hit[0]).total_seconds() < self.cache_ttl
            and abs(when - hit[1]) < self.cache_ttl
        ):
            return hit[2]
        answer = self.status(address, credential_type, at)
        with self._lock:
            self._answers[key] = (now, when, answer)
        return answer

    def refresh(self) -> set[str]:
        """Drop the cached answers about issuers with trust events since the last refresh
        (one ``eth_blockNumber`` + one ``eth_getLogs``); the first call sets the start."""
        latest = self.chain.block_number()
        changed: set[str] = set()
        start = self._synced_block
        if start is not None and latest > start:
            logs = self.chain.w3.eth.get_logs(
                {
                    "address": self.contract.address,
                    "fromBlock": start + 1,
                    "toBlock": latest,
                    "topics": [["0x" + t.hex() for t in self._topics.values()]],
                }
            )
            changed = {to_checksum_address(bytes(log["topics"][1])[-20:]) for log in logs}
        elif start is not None and latest < start:
            changed = {address for address, _ in self._answers}
        with self._lock:
            for key in [k for k in self._answers if k[0] in changed]:
                del self._answers[key]
            self._synced_block = latest
        return changed


# the one reading of a credential's issuer (raises issuer_missing)
_credential_issuer = issuer_id


def accreditation_check(
    trust: TrustRegistryClient, now: datetime
) -> tuple[str, Callable[[Mapping[str, Any]], None]]:
    """A ``VerifyOptions.credential_checks`` entry: ``("accreditation", check)``.

    ``check(credential)`` passes when the credential's issuer (a did:ethr of the trust
    registry's chain) was accredited at ``now`` for every type the credential claims
    besides ``VerifiableCredential``. Raises VerdictError ``issuer_not_accredited``
    (details: issuer, type, status: not_accredited, not_yet_valid, expired, suspended,
    revoked); CouldNotCheckError ``rpc_unavailable`` passes through.
    """
    at = _timestamp(now, "now")

    def check(doc: Mapping[str, Any]) -> None:
        issuer = _credential_issuer(doc)
        try:
            address = _issuer_address(issuer, trust.deployment.chain_id)
        except MalformedError:
            raise VerdictError(
                "issuer_not_accredited",
                f"The issuer {issuer} is not a did:ethr of the trust registry's chain, so no "
                "regulator accredited it.",
                details={"issuer": issuer, "status": "not_accredited"},
            ) from None
        types = doc.get("type")
        types = [types] if isinstance(types, str) else types
        wanted = [
            t for t in (types if isinstance(types, list) else []) if t != "VerifiableCredential"
        ]
        if not wanted:
            raise VerdictError(
                "issuer_not_accredited",
                "The credential claims no type beyond VerifiableCredential: nothing an issuer "
                "can be accredited for.",
                details={"issuer": issuer, "status": "not_accredited"},
            )
        for name in wanted:
            status = trust.accreditation_status(address, str(name), _dt(at))
            if status != "accredited":
                raise VerdictError(
                    "issuer_not_accredited",
                    f"The issuer {issuer} is not accredited for {name} at {_dt(at).isoformat()} "
                    f"({status.replace('_', ' ')}).",
                    details={"issuer": issuer, "type": name, "status": status},
                )

    return "accreditation", check


# --- status and anchor registry ------------------------------------------------------------


@dataclass(frozen=True)
class StatusListAnchor:
    """The latest published state of one status list."""

    issuer: str
    list_url: str
    digest: bytes
    uri: str
    version: int
    block_number: int


@dataclass(frozen=True)
class BatchAnchor:
    """An anchored batch: its Merkle root, issuer, leaf count and block (and, when just
    anchored, the transaction)."""

    root: bytes
    issuer: str
    leaf_count: int
    block_number: int
    tx_hash: str | None = None
    gas_used: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "root": "0x" + self.root.hex(),
            "issuer": self.issuer,
            "leaf_count": self.leaf_count,
            "block": self.block_number,
            "tx_hash": self.tx_hash,
            "gas_used": self.gas_used,
        }


def _bytes32(value: bytes, what: str) -> bytes:
    if not isinstance(value, bytes | bytearray) or len(value) != 32:
        raise MalformedError("digest_invalid", f"{what} must be 32 bytes.")
    return bytes(value)


class StatusRegistryClient:
    """The StatusRegistry of ``deployment`` on ``chain``. Writes are made for an issuer
    identity by its current DID owner (``sender``); anyone else's reverts
    (``contract_reverted`` ``NotIssuerOwner``)."""

    def __init__(self, chain: Chain, deployment: Deployment, *, sender: Sender | None = None):
        self.chain = chain
        self.deployment = deployment
        self.sender = sender
        self.contract: Contract = deployment.contract(chain, "StatusRegistry")

    def _who(self, sender: Sender | None) -> Sender:
        who = sender if sender is not None else self.sender
        return who if who is not None else self.deployment.deployer

    def publish_status_list(
        self,
        issuer: str,
        list_url: str,
        digest: bytes,
        *,
        version: int | None = None,
        uri: str | None = None,
        sender: Sender | None = None,
    ) -> OpResult:
        """Publish ``digest`` (``status_list_digest`` of the list credential) for the list
        at ``list_url``; ``uri`` defaults to ``list_url``, ``version`` to the current + 1.

        Raises ``issuer_invalid``, ``digest_invalid``; ``contract_reverted``
        (``NotIssuerOwner``, ``VersionNotIncreasing``).
        """
        address = _issuer_address(issuer, self.deployment.chain_id)
        if version is None:
            current = self.status_list(address, list_url)
            version = (current.version if current else 0) + 1
        fn = self.contract.functions.publishStatusList(
            address, list_id(list_url), _bytes32(digest, "digest"), uri or list_url, version
        )
        receipt = self.chain.transact(fn, sender=self._who(sender), op="publishStatusList")
        return OpResult.of("publishStatusList", receipt)

    def status_list(self, issuer: str, list_url: str) -> StatusListAnchor | None:
        """The latest published state of the list, None if never published (one call)."""
        address = _issuer_address(issuer, self.deployment.chain_id)
        digest, uri, version, block = self.chain.call(
            self.contract.functions.statusList(address, list_id(list_url))
        )
        if int(version) == 0:
            return None
        return StatusListAnchor(
            address, list_url, bytes(digest), str(uri), int(version), int(block)
        )

    def check_status_list(self, issuer: str, list_url: str, credential: Mapping[str, Any]) -> int:
        """Check that ``credential`` (a status list credential) is the anchored version of the
        list; returns that version.

        Raises VerdictError ``status_list_mismatch``; CouldNotCheckError
        ``status_list_not_anchored``.
        """
        anchor = self.status_list(issuer, list_url)
        if anchor is None:
            raise CouldNotCheckError(
                "status_list_not_anchored",
                f"No digest of the status list {list_url} is anchored on chain by {issuer}.",
                details={"list_url": list_url},
            )
        if status_list_digest(credential) != anchor.digest:
            raise VerdictError(
                "status_list_mismatch",
                f"The status list {list_url} is not the version anchored on chain "
                f"(version {anchor.version}); fetch it again.",
                details={"list_url": list_url, "version": anchor.version},
            )
        return anchor.version

    def anchor_batch(
        self, issuer: str, root: bytes, leaf_count: int, *, sender: Sender | None = None
    ) -> BatchAnchor:
        """Anchor the Merkle ``root`` of a batch of ``leaf_count`` credentials.

        Raises ``issuer_invalid``, ``digest_invalid``; ``contract_reverted``
        (``NotIssuerOwner``, ``BatchAlreadyAnchored``, ``InvalidBatch``).
        """
        address = _issuer_address(issuer, self.deployment.chain_id)
        fn = self.contract.functions.anchorBatch(address, _bytes32(root, "root"), leaf_count)
        receipt = self.chain.transact(fn, sender=self._who(sender), op="anchorBatch")
        return BatchAnchor(
            root=bytes(root),
            issuer=address,
            leaf_count=leaf_count,
            block_number=int(receipt["blockNumber"]),
            tx_hash=HexBytes(receipt["transactionHash"]).to_0x_hex(),
            gas_used=int(receipt["gasUsed"]),
        )

    def batch(self, root: bytes) -> BatchAnchor | None:
        """Who anchored ``root``, with how many leaves, in which block; None if never."""
        issuer, leaf_count, block = self.chain.call(
            self.contract.functions.batch(_bytes32(root, "root"))
        )
        if int(block) == 0:
            return None
        return BatchAnchor(bytes(root), str(issuer), int(leaf_count), int(block))

    def verify_anchored(
        self, issuer: str, root: bytes, leaf: bytes, proof: Sequence[bytes]
    ) -> bool:
        """The contract's ``verifyAnchored``: ``leaf`` is in the batch ``issuer`` anchored
        under ``root`` (one ``eth_call``)."""
        address = _issuer_address(issuer, self.deployment.chain_id)
        return bool(
            self.chain.call(
                self.contract.functions.verifyAnchored(
                    address,
                    _bytes32(root, "root"),
                    _bytes32(leaf, "leaf"),
                    [_bytes32(p, "proof node") for p in proof],
                )
            )
        )
