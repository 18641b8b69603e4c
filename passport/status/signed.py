"""Signed status list credentials: publish a list and flip its entries.

The list credential is secured with Data Integrity ``eddsa-rdfc-2022`` by the issuer's key,
as the design asks; every change re-signs it (a new ``validFrom`` and proof).

Error codes: those of ``bitstring`` and ``di.eddsa``; ``status_list_malformed`` when the file
given is not a status list credential.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from passport.di import eddsa
from passport.errors import MalformedError
from passport.keys import PrivateKey
from passport.status.bitstring import Purpose, StatusList, build_status_list_credential

__all__ = ["sign_status_list", "update_status_list"]


def sign_status_list(
    status_list: StatusList,
    *,
    issuer: str,
    url: str,
    purpose: Purpose,
    key: PrivateKey,
    verification_method: str,
    now: datetime,
    valid_for: timedelta = timedelta(days=1),
) -> dict[str, Any]:
    """A ``BitstringStatusListCredential`` for ``status_list`` signed by the issuer."""
    unsigned = build_status_list_credential(
        issuer=issuer,
        url=url,
        purpose=purpose,
        status_list=status_list,
        valid_from=now,
        valid_until=now + valid_for,
    )
    return eddsa.sign(
        unsigned, key, verification_method, cryptosuite=eddsa.EDDSA_RDFC_2022, created=now
    )


def update_status_list(
    credential: Mapping[str, Any],
    changes: Mapping[int, int],
    *,
    key: PrivateKey,
    verification_method: str,
    now: datetime,
    valid_for: timedelta = timedelta(days=1),
) -> dict[str, Any]:
    """Apply ``changes`` (index -> status value) to a signed list and sign it again."""
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping) or not isinstance(subject.get("encodedList"), str):
        raise MalformedError(
            "status_list_malformed", "This is not a BitstringStatusListCredential."
        )
    status_list = StatusList.decode(subject["encodedList"])
    for index, value in changes.items():
        status_list.set(index, value)
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    purpose = subject.get("statusPurpose")
    if not isinstance(issuer_id, str) or purpose not in ("revocation", "suspension"):
        raise MalformedError(
            "status_list_malformed", "The status list names no issuer or no known purpose."
        )
    return sign_status_list(
        status_list,
        issuer=issuer_id,
        url=str(credential.get("id", "")),
        purpose=purpose,
        key=key,
        verification_method=verification_method,
        now=now,
        valid_for=valid_for,
    )
