"""The verifier's trust snapshot: what an offline check needs, taken from the chain at once.

A ``TrustSnapshot`` holds, as of ``taken_at``: per issuer DID its Ed25519 assertion keys
(the current ones and those rotated out, with when), its accreditations (types,
jurisdiction, validity window) and the trust registry's answer per credential type; and
the status lists (the decoded bitstring, the digest anchored on chain, when fetched).
``build_snapshot`` makes one from the did:ethr resolver, the trust registry, the status
registry and a status fetcher (``verifier sync``); ``dumps`` / ``loads`` and
``write_snapshot`` / ``read_snapshot`` keep it in a JSON file.

Error codes: ``offline_snapshot_malformed`` (MalformedError: a snapshot file that cannot
be read); ``build_snapshot`` passes on the errors of the resolver (``did_resolution_failed``,
``rpc_unavailable``), of the trust and status registries (``status_list_mismatch``,
``status_list_not_anchored``), of the status fetcher (``status_list_unavailable``) and of
the status list's proof (``signature_invalid``, ...), and raises
``status_list_issuer_mismatch`` (VerdictError) for a list of another issuer.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Protocol

from passport.errors import MalformedError, VerdictError
from passport.keys import KeyType, PublicKey
from passport.offline.credential import status_list_id
from passport.ports import Resolver, StatusFetcher

__all__ = [
    "SNAPSHOT_VERSION",
    "Accreditation",
    "AnchorSource",
    "IssuerKey",
    "IssuerTrust",
    "SnapshotStatusList",
    "TrustSnapshot",
    "TrustSource",
    "build_snapshot",
    "discover_status_lists",
    "dumps",
    "loads",
    "read_snapshot",
    "write_snapshot",
]

SNAPSHOT_VERSION: Final = 1
OFFLINE_TYPES: Final = ("BankStatementCredential", "KYCCredential")
_MAX_VERSIONS: Final = 256


class TrustSource(Protocol):
    """What the snapshot needs of ``passport.chain.registries.TrustRegistryClient``."""

    def history(self, issuer: str) -> Sequence[Any]: ...

    def status(self, issuer: str, credential_type: str, at: datetime) -> str: ...


class AnchorSource(Protocol):
    """What the snapshot needs of ``passport.chain.registries.StatusRegistryClient``."""

    def check_status_list(
        self, issuer: str, list_url: str, credential: Mapping[str, Any]
    ) -> int: ...


@dataclass(frozen=True)
class IssuerKey:
    """An Ed25519 assertion key of an issuer: its method id (absolute DID URL), raw key and,
    for a key rotated out or revoked, the time it stopped counting."""

    id: str
    public_key: bytes
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class Accreditation:
    types: tuple[str, ...]
    jurisdiction: str
    valid_from: datetime
    valid_until: datetime


@dataclass(frozen=True)
class IssuerTrust:
    """One issuer as of the snapshot. ``registry_status``: the trust registry's answer per
    credential type at ``taken_at`` (``accredited``, ``suspended``, ``revoked``, ...)."""

    did: str
    keys: tuple[IssuerKey, ...]
    accreditations: tuple[Accreditation, ...]
    registry_status: Mapping[str, str] = field(default_factory=dict)

    def key(self, fragment_or_id: str) -> IssuerKey | None:
        wanted = self.did + fragment_or_id if fragment_or_id.startswith("#") else fragment_or_id
        return next((k for k in self.keys if k.id == wanted), None)


@dataclass(frozen=True)
class SnapshotStatusList:
    """A status list as fetched and checked at sync: ``encoded_list`` is its
    ``encodedList`` (GZIP + base64url); ``digest`` the one anchored on chain."""

    url: str
    issuer: str
    purpose: str
    encoded_list: str
    digest: bytes
    version: int
    fetched_at: datetime

    @property
    def list_id(self) -> bytes:
        return status_list_id(self.url)

    def value(self, index: int) -> int:
        """The entry's status. Raises ``status_index_out_of_range``."""
        from passport.status.bitstring import StatusList

        return StatusList.decode(self.encoded_list).get(index)


@dataclass(frozen=True)
class TrustSnapshot:
    taken_at: datetime
    issuers: tuple[IssuerTrust, ...]
    status_lists: tuple[SnapshotStatusList, ...]
    chain_id: int | None = None

    def issuer(self, did: str) -> IssuerTrust | None:
        return next((i for i in self.issuers if i.did == did), None)

    def status_list(self, issuer: str, list_id: bytes) -> SnapshotStatusList | None:
        return next(
            (s for s in self.status_lists if s.issuer == issuer and s.list_id == list_id), None
        )


# --- JSON ------------------------------------------------------------------------------


def _time(value: datetime) -> str:
    return value.isoformat()


def _to_json(snapshot: TrustSnapshot) -> dict[str, Any]:
    return {
        "version": SNAPSHOT_VERSION,
        "takenAt": _time(snapshot.taken_at),
        "chainId": snapshot.chain_id,
        "issuers": [
            {
                "did": i.did,
                "keys": [
                    {
                        "id": k.id,
                        "publicKeyMultibase": _multikey(k.public_key),
                        "revokedAt": _time(k.revoked_at) if k.revoked_at else None,
                    }
                    for k in i.keys
                ],
                "accreditations": [
                    {
                        "types": list(a.types),
                        "jurisdiction": a.jurisdiction,
                        "validFrom": _time(a.valid_from),
                        "validUntil": _time(a.valid_until),
                    }
                    for a in i.accreditations
                ],
                "registryStatus": dict(i.registry_status),
            }
            for i in snapshot.issuers
        ],
        "statusLists": [
            {
                "url": s.url,
                "issuer": s.issuer,
                "purpose": s.purpose,
                "encodedList": s.encoded_list,
                "digest": base64.b16encode(s.digest).decode("ascii").lower(),
                "version": s.version,
                "fetchedAt": _time(s.fetched_at),
            }
            for s in snapshot.status_lists
        ],
    }


def dumps(snapshot: TrustSnapshot) -> str:
    """The snapshot as JSON text."""
    return json.dumps(_to_json(snapshot), indent=2, sort_keys=True)


def _parse_time(value: Any) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("a time without a timezone")
    return parsed


def loads(text: str | bytes) -> TrustSnapshot:
    """Read a snapshot written by ``dumps``. Raises ``offline_snapshot_malformed``."""
    try:
        data = json.loads(text)
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported version {data.get('version')!r}")
        issuers = tuple(
            IssuerTrust(
                did=str(i["did"]),
                keys=tuple(
                    IssuerKey(
                        id=str(k["id"]),
                        public_key=_ed25519(k["publicKeyMultibase"]),
                        revoked_at=_parse_time(k["revokedAt"]) if k.get("revokedAt") else None,
                    )
                    for k in i["keys"]
                ),
                accreditations=tuple(
                    Accreditation(
                        types=tuple(str(t) for t in a["types"]),
                        jurisdiction=str(a["jurisdiction"]),
                        valid_from=_parse_time(a["validFrom"]),
                        valid_until=_parse_time(a["validUntil"]),
                    )
                    for a in i["accreditations"]
                ),
                registry_status={str(k): str(v) for k, v in i["registryStatus"].items()},
            )
            for i in data["issuers"]
        )
        lists = tuple(
            SnapshotStatusList(
                url=str(s["url"]),
                issuer=str(s["issuer"]),
                purpose=str(s["purpose"]),
                encoded_list=str(s["encodedList"]),
                digest=bytes.fromhex(s["digest"]),
                version=int(s["version"]),
                fetched_at=_parse_time(s["fetchedAt"]),
            )
            for s in data["statusLists"]
        )
        chain_id = data.get("chainId")
        return TrustSnapshot(
            taken_at=_parse_time(data["takenAt"]),
            issuers=issuers,
            status_lists=lists,
            chain_id=int(chain_id) if chain_id is not None else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError, MalformedError) as exc:
        raise MalformedError(
            "offline_snapshot_malformed",
            f"The trust snapshot cannot be read ({exc}); run `verifier sync` again.",
        ) from None


def _multikey(raw: bytes) -> str:
    return PublicKey(KeyType.ED25519, raw).to_multikey()


def _ed25519(text: str) -> bytes:
    key = PublicKey.from_multikey(text)
    if key.type is not KeyType.ED25519:
        raise ValueError("issuer keys in a snapshot are Ed25519")
    return key.raw


def write_snapshot(snapshot: TrustSnapshot, path: str | os.PathLike[str]) -> None:
    """Write the snapshot atomically (a temporary file renamed over ``path``)."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".snapshot-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(dumps(snapshot))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_snapshot(path: str | os.PathLike[str]) -> TrustSnapshot:
    """Raises ``offline_snapshot_malformed`` (also for a missing or unreadable file)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise MalformedError(
            "offline_snapshot_malformed",
            f"No trust snapshot can be read at {path} ({exc.strerror}); run `verifier sync`.",
        ) from None
    return loads(text)


# --- building it from the chain -----------------------------------------------------------


def _ed25519_assertion_keys(doc: Any) -> dict[str, bytes]:
    return {
        vm.id: vm.public_key.raw
        for vm in doc.methods_for("assertionMethod")
        if vm.public_key.type is KeyType.ED25519
    }


def issuer_keys(resolver: Resolver, did: str) -> tuple[IssuerKey, ...]:
    """The issuer's Ed25519 assertion keys now, and those of earlier versions of its DID
    document that are gone (rotated out or revoked), with the time of the change that
    removed them. Walks back with ``?versionId=`` (did:ethr spec): one resolution per change.
    """
    latest = resolver.resolve(did)
    current = _ed25519_assertion_keys(latest)
    gone: dict[str, tuple[bytes, datetime]] = {}
    meta = latest.metadata
    version = meta.get("versionId")
    for _ in range(_MAX_VERSIONS):
        if version is None or int(version) <= 0:
            break
        older = resolver.resolve(f"{did}?versionId={int(version) - 1}")
        removed_at = older.metadata.get("nextUpdate")
        for vm_id, raw in _ed25519_assertion_keys(older).items():
            if vm_id not in current and vm_id not in gone and isinstance(removed_at, str):
                gone[vm_id] = (raw, _parse_time(removed_at.replace("Z", "+00:00")))
        version = older.metadata.get("versionId")
    keys = [IssuerKey(vm_id, raw) for vm_id, raw in current.items()]
    keys += [IssuerKey(vm_id, raw, at) for vm_id, (raw, at) in gone.items()]
    return tuple(keys)


def _accreditations(events: Iterable[Any]) -> tuple[Accreditation, ...]:
    out = []
    for event in events:
        if getattr(event, "kind", None) != "accredited":
            continue
        if event.valid_from is None or event.valid_until is None:
            continue
        out.append(
            Accreditation(
                types=tuple(event.types),
                jurisdiction=str(event.jurisdiction),
                valid_from=event.valid_from,
                valid_until=event.valid_until,
            )
        )
    return tuple(out)


def _issuer_of(doc: Mapping[str, Any]) -> str:
    issuer = doc.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return str(issuer)


def build_snapshot(
    *,
    resolver: Resolver,
    trust: TrustSource,
    status_fetcher: StatusFetcher,
    anchors: AnchorSource,
    issuers: Sequence[str],
    status_lists: Sequence[str],
    now: datetime,
    credential_types: Sequence[str] = OFFLINE_TYPES,
    chain_id: int | None = None,
) -> TrustSnapshot:
    """Take a snapshot for ``issuers`` (did:ethr) and the status list URLs ``status_lists``.

    Per issuer: its Ed25519 assertion keys (current and gone, ``issuer_keys``), its
    accreditation history and the trust registry's ``status`` per credential type at
    ``now``. Per status list: fetched, its Data Integrity proof verified against the
    issuer's DID, its digest checked against the one anchored on chain
    (``anchors.check_status_list``), its bitstring kept. ``now`` is the snapshot's time.
    Raises what the sources raise (see the module docstring);
    ``status_list_issuer_mismatch`` for a list whose issuer is not among ``issuers``.
    """
    from passport.di import eddsa
    from passport.di.jcs import canonicalize

    trusted = []
    for did in issuers:
        trusted.append(
            IssuerTrust(
                did=did,
                keys=issuer_keys(resolver, did),
                accreditations=_accreditations(trust.history(did)),
                registry_status={t: trust.status(did, t, now) for t in credential_types},
            )
        )
    lists = []
    for url in status_lists:
        credential = dict(status_fetcher.fetch(url))
        issuer = _issuer_of(credential)
        if issuer not in issuers:
            raise VerdictError(
                "status_list_issuer_mismatch",
                f"The status list {url} was issued by {issuer}, not by a synced issuer.",
                details={"url": url, "issuer": issuer},
            )
        proof = eddsa.verify(credential, resolver, proof_purpose="assertionMethod", now=now)
        if proof.controller != issuer:
            raise VerdictError(
                "status_list_issuer_mismatch",
                f"The status list {url} is signed by {proof.controller}, not by {issuer}.",
            )
        version = anchors.check_status_list(issuer, url, credential)
        subject = credential.get("credentialSubject")
        if not isinstance(subject, Mapping) or not isinstance(subject.get("encodedList"), str):
            raise MalformedError(
                "status_list_malformed", f"{url} is not a BitstringStatusListCredential."
            )
        lists.append(
            SnapshotStatusList(
                url=url,
                issuer=issuer,
                purpose=str(subject.get("statusPurpose")),
                encoded_list=subject["encodedList"],
                digest=hashlib.sha256(canonicalize(credential)).digest(),
                version=version,
                fetched_at=now,
            )
        )
    return TrustSnapshot(now, tuple(trusted), tuple(lists), chain_id)


def discover_status_lists(anchors: Any, issuer: str) -> list[str]:
    """The URLs of the status lists ``issuer`` published on chain, oldest first, read from
    the status registry's ``StatusListPublished`` events (one ``eth_getLogs``).

    ``anchors`` is a ``passport.chain.registries.StatusRegistryClient``. A list is found
    when its published URI is its URL (``listId = keccak256(uri)``, the default of
    ``publish_status_list``). Raises ``issuer_invalid`` (not a did:ethr of that chain),
    CouldNotCheckError ``rpc_unavailable``.
    """
    from eth_utils.abi import event_abi_to_log_topic
    from eth_utils.crypto import keccak

    from passport.did.ethr import parse_ethr_did
    from passport.errors import CouldNotCheckError

    try:
        parsed = parse_ethr_did(issuer)
    except MalformedError:
        raise MalformedError(
            "issuer_invalid", f"{issuer} is not a did:ethr: it publishes no status lists."
        ) from None
    if parsed.chain_id != anchors.deployment.chain_id:
        raise MalformedError("issuer_invalid", f"{issuer} is not on the registry's chain.")
    abi = next(
        e
        for e in anchors.contract.abi
        if e.get("type") == "event" and e.get("name") == "StatusListPublished"
    )
    topic = "0x" + bytes(12).hex() + parsed.address[2:].lower()
    try:
        logs = anchors.chain.w3.eth.get_logs(
            {
                "address": anchors.contract.address,
                "fromBlock": anchors.deployment.deploy_block,
                "toBlock": "latest",
                "topics": ["0x" + event_abi_to_log_topic(abi).hex(), topic],
            }
        )
    except (OSError, ValueError) as exc:
        raise CouldNotCheckError(
            "rpc_unavailable", f"Could not read the status registry's events: {exc}."
        ) from None
    urls: list[str] = []
    for log in logs:
        event = anchors.contract.events.StatusListPublished().process_log(log)
        uri = str(event["args"]["uri"])
        if keccak(text=uri) == bytes(event["args"]["listId"]) and uri not in urls:
            urls.append(uri)
    return urls
