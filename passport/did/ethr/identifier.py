"""did:ethr identifiers: parse and build ``did:ethr:[<network>:]<address | public key>``
(did:ethr method specification, "Method Specific Identifier").

The one module of ``passport.did`` that the chain clients may import: it knows nothing of
chains, registries or documents.

Error codes: ``did_invalid`` (MalformedError).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from passport.errors import MalformedError, PassportError
from passport.keys import KeyType, PublicKey

if TYPE_CHECKING:
    pass


NULL_ADDRESS = "0x0000000000000000000000000000000000000000"
NETWORK_CHAIN_IDS = {"mainnet": 1, "sepolia": 11155111, "goerli": 5}

_DID_RE = re.compile(r"^did:ethr:(?:([A-Za-z0-9]+):)?(0x[0-9a-fA-F]{40}|0x[0-9a-fA-F]{66})$")


def _invalid(message: str, did: str) -> MalformedError:
    return MalformedError("did_invalid", message, details={"did": did})


# --- identifiers ------------------------------------------------------------------------


@dataclass(frozen=True)
class EthrDid:
    """A parsed did:ethr (URL): the DID itself, its chain, identity address and query."""

    did: str
    chain_id: int
    address: str  # EIP-55 checksummed identity address
    public_key: bytes | None = None  # the compressed secp256k1 key of a public-key DID
    version_id: int | None = None  # ?versionId=<block>; None = latest


def ethr_did(address: str, chain_id: int) -> str:
    """The chain-id-qualified did:ethr of ``address``: ``did:ethr:0x7a69:0xAbC...``.

    Raises ``did_invalid`` when ``address`` is not a 20-byte hex address.
    """
    if not isinstance(address, str) or not re.fullmatch(r"0x[0-9a-fA-F]{40}", address):
        raise _invalid(f"{address!r} is not an Ethereum address (0x + 40 hex digits).", address)
    return f"did:ethr:{hex(chain_id)}:{to_checksum_address(address)}"


def _address_of_public_key(raw: bytes, did: str) -> str:
    try:
        PublicKey(KeyType.SECP256K1, raw)
        point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), raw)
    except (PassportError, ValueError) as exc:
        raise _invalid(f"{did!r}: the identifier is not a compressed secp256k1 key.", did) from exc
    uncompressed = point.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return to_checksum_address(keccak(uncompressed[1:])[-20:])


@lru_cache(maxsize=4096)  # pure, and on every verification's path (EthrDid is frozen)
def parse_ethr_did(did_url: str) -> EthrDid:
    """Parse a did:ethr or did:ethr URL (spec "Method Specific Identifier").

    The fragment is dropped; the query may carry ``versionId`` (a block number or
    ``latest``). Raises ``did_invalid``.
    """
    if not isinstance(did_url, str):
        raise _invalid("A DID must be a string.", repr(did_url))
    without_fragment = did_url.split("#", 1)[0]
    did, _, query = without_fragment.partition("?")
    m = _DID_RE.match(did)
    if not m:
        raise _invalid(
            f"{did!r} is not a did:ethr "
            "(did:ethr:[<0x chain id>:]<0x address or compressed public key>).",
            did,
        )
    network, ident = m.group(1), m.group(2)
    if network is None:
        chain_id = 1
    elif network.startswith("0x"):
        try:
            chain_id = int(network, 16)
        except ValueError:
            raise _invalid(f"{did!r}: {network!r} is not a hex chain id.", did) from None
    elif network in NETWORK_CHAIN_IDS:
        chain_id = NETWORK_CHAIN_IDS[network]
    else:
        raise _invalid(
            f"{did!r}: unknown network {network!r}; name the chain by its 0x-hex chain id.", did
        )
    public_key: bytes | None = None
    if len(ident) == 68:
        public_key = bytes.fromhex(ident[2:])
        address = _address_of_public_key(public_key, did)
    else:
        address = to_checksum_address(ident)
    version_id: int | None = None
    if query:
        values = parse_qs(query, keep_blank_values=True).get("versionId")
        if values:
            text = values[-1]
            if text != "latest":
                if not text.isdigit():
                    raise _invalid(
                        f"{did_url!r}: versionId must be a block number or 'latest'.", did
                    )
                version_id = int(text)
    return EthrDid(did, chain_id, address, public_key, version_id)
