"""A credential whose HTTP response was lost can be fetched again, within the token's life.

The credential endpoint commits the issuance (record, status index, offer ``issued``) before
the response travels; if the connection breaks then, the offer is used up and the wallet
has nothing. OpenID4VCI 1.0 (section 6.2, section 8) lets a wallet send Credential Requests
with its access token for as long as the token is valid, so a retry is allowed: the same
access token, a fresh ``c_nonce`` and a key proof by the same holder key get back the very
credential already issued (no second credential, no second status index). Another key is
refused (``credential_already_issued``): a stolen token buys nothing.

A batch (section 8.2 ``proofs``: one copy per key proof) is redelivered as a whole: the retry
must carry proofs by the same set of holder keys (in any order), and gets back every copy,
each still bound to its own key.

To answer that, the issued credential (or the batch's copies) is kept sealed
(XSalsa20-Poly1305 under a key derived
from the issuer's data key) in ``credential_deliveries`` until the access token expires;
``purge_expired`` deletes it afterwards.

Error codes (Oid4vciError, ``invalid_credential_request``): ``credential_already_issued``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import nacl.exceptions
import nacl.secret
import nacl.utils
from sqlalchemy.orm import Session

from issuer_service.db import CredentialDelivery
from passport.exchange.oid4vci import Oid4vciError

__all__ = ["Delivery", "holder_set", "remember", "replay"]

#: What was delivered: the credentials (one per copy, in the order of the proofs) and the ids
#: of their records.
Delivery = tuple[list[str | dict[str, Any]], list[str]]


def holder_set(holder_dids: Sequence[str]) -> str:
    """The holders of one delivery as stored: the DID, or the sorted DIDs of a batch's keys."""
    return "\n".join(sorted(set(holder_dids)))


def _box(data_key: bytes) -> nacl.secret.SecretBox:
    key = hashlib.blake2b(b"credential-redelivery", key=data_key[:64], digest_size=32).digest()
    return nacl.secret.SecretBox(key)


def remember(
    session: Session,
    data_key: bytes,
    *,
    offer_pk: str,
    holder_dids: Sequence[str],
    credentials: Sequence[str | dict[str, Any]],
    record_ids: Sequence[str],
    until: datetime,
) -> None:
    """Keep ``credentials`` (one, or a batch's copies) sealed for a retry of the same offer by
    the same holder keys until ``until``."""
    plain = json.dumps(
        {"credentials": list(credentials), "records": list(record_ids)}, separators=(",", ":")
    ).encode()
    session.merge(
        CredentialDelivery(
            offer_pk=offer_pk,
            holder_did=holder_set(holder_dids),
            sealed=bytes(_box(data_key).encrypt(plain, nacl.utils.random(24))),
            expires_at=until,
        )
    )


def replay(
    session: Session,
    data_key: bytes,
    *,
    offer_pk: str,
    holder_dids: Sequence[str],
    now: datetime,
) -> Delivery:
    """The credentials issued for ``offer_pk`` and their record ids, for a retry by the same
    holder keys.

    Raises Oid4vciError ``credential_already_issued`` when they were issued to other holder
    keys, or are no longer kept.
    """
    kept = session.get(CredentialDelivery, offer_pk)
    refused = Oid4vciError(
        "credential_already_issued",
        "The credential of this offer was already issued to another key, or its retry window "
        "has closed; ask the bank for a new offer.",
        error="invalid_credential_request",
    )
    if kept is None or kept.holder_did != holder_set(holder_dids) or now >= kept.expires_at:
        raise refused
    try:
        plain = _box(data_key).decrypt(kept.sealed)
    except nacl.exceptions.CryptoError:
        raise refused from None
    data = json.loads(plain)
    return list(data["credentials"]), [str(r) for r in data["records"]]
