"""Verified status lists cached by URL and content digest until validUntil; versions only
move forward (a replayed older list never hides a revocation)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from passport import securing
from passport.credentials import build_kyc_credential, credential_status_entry
from passport.credentials.model import hash_id_document_number
from passport.di import eddsa
from passport.did import default_resolver
from passport.did.key import did_key_from_public_key
from passport.keys import PrivateKey
from passport.report import ReportStatus
from passport.status import StatusList, build_status_list_credential
from passport.status.cache import StatusListCache, content_digest
from passport.verify import VerifyOptions, verify

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
URL = "https://bank.example/status/1"


@dataclass
class Served:
    """A status list endpoint (or a cache in front of it) that serves what it is told."""

    lists: list[Mapping[str, Any]] = field(default_factory=list)
    fetches: int = 0

    def fetch(self, url: str) -> Mapping[str, Any]:
        self.fetches += 1
        return self.lists[-1]


class Bank:
    def __init__(self) -> None:
        self.key = PrivateKey.generate()
        self.did = did_key_from_public_key(self.key.public_key)
        self.vm = f"{self.did}#{self.did.removeprefix('did:key:')}"

    def status_list(self, signed_at: datetime, revoked: tuple[int, ...] = ()) -> dict[str, Any]:
        lst = StatusList()
        for i in revoked:
            lst.set(i)
        unsigned = build_status_list_credential(
            issuer=self.did,
            url=URL,
            purpose="revocation",
            status_list=lst,
            valid_from=signed_at,
            valid_until=signed_at + timedelta(days=7),
        )
        return eddsa.sign(
            unsigned, self.key, self.vm, cryptosuite="eddsa-rdfc-2022", created=signed_at
        )

    def credential(self, index: int = 7) -> str | dict[str, Any]:
        holder = did_key_from_public_key(PrivateKey.generate().public_key)
        doc = build_kyc_credential(
            issuer=self.did,
            holder=holder,
            legal_name="Lin Mei-Hua",
            given_name="Mei-Hua",
            family_name="Lin",
            birth_date=date(1990, 4, 1),
            nationality="TW",
            id_document_type="national_id",
            id_document_number_hash=hash_id_document_number("A123456789", salt=b"s" * 16),
            kyc_level="enhanced",
            verification_date=date(2026, 11, 1),
            status=credential_status_entry(URL, index),
            valid_from=NOW - timedelta(days=30),
            valid_until=NOW + timedelta(days=365),
        )
        return securing.issue(
            doc, self.key, securing.IssueFormat("di-jcs"), resolver=default_resolver(), now=NOW
        )


def opts(served: Served, cache: StatusListCache, now: datetime = NOW) -> VerifyOptions:
    return VerifyOptions(
        resolver=default_resolver(), now=now, status_fetcher=served, status_cache=cache
    )


@pytest.fixture
def bank() -> Bank:
    return Bank()


def test_the_list_proof_is_verified_once_per_content(bank: Bank) -> None:
    served, cache = Served([bank.status_list(NOW - timedelta(hours=1))]), StatusListCache()
    vc = bank.credential()
    for _ in range(3):
        assert verify(vc, opts(served, cache)).verified
    assert (cache.misses, cache.hits) == (1, 2)
    assert served.fetches == 3  # fetched every time: only the proof check is saved


def test_a_changed_list_under_the_same_url_is_verified_again(bank: Bank) -> None:
    good = bank.status_list(NOW - timedelta(hours=1), revoked=(7,))
    served, cache = Served([good]), StatusListCache()
    vc = bank.credential(7)
    assert verify(vc, opts(served, cache)).codes == ["revoked"]
    forged = copy.deepcopy(good)  # the bit cleared, the old proof kept
    forged["credentialSubject"]["encodedList"] = bank.status_list(NOW)["credentialSubject"][
        "encodedList"
    ]
    assert content_digest(forged) != content_digest(good)
    served.lists.append(forged)
    assert verify(vc, opts(served, cache)).codes == ["signature_invalid"]


def test_a_replayed_older_list_does_not_hide_a_revocation(bank: Bank) -> None:
    old = bank.status_list(NOW - timedelta(days=2))  # index 7 not set
    new = bank.status_list(NOW - timedelta(hours=1), revoked=(7,))  # revoked this morning
    served, cache = Served([new]), StatusListCache()
    vc = bank.credential(7)
    assert verify(vc, opts(served, cache)).codes == ["revoked"]
    served.lists.append(old)  # both are validly signed and within their validity
    report = verify(vc, opts(served, cache))
    assert report.codes == ["revoked"]  # the newest list seen is used, not the replay


def test_an_older_list_after_the_newest_expired_is_stale(bank: Bank) -> None:
    newest = bank.status_list(NOW - timedelta(days=1))
    older = bank.status_list(NOW - timedelta(days=3))
    served, cache = Served([newest]), StatusListCache()
    vc = bank.credential()
    assert verify(vc, opts(served, cache)).verified
    later = NOW + timedelta(days=6, hours=12)  # newest expired; older expired too by then
    served.lists.append(older)
    report = verify(vc, opts(served, cache, later))
    assert report.status is ReportStatus.INDETERMINATE
    assert report.codes == ["status_list_stale"]


def test_a_cached_list_is_dropped_at_its_valid_until(bank: Bank) -> None:
    served, cache = Served([bank.status_list(NOW - timedelta(hours=1))]), StatusListCache()
    vc = bank.credential()
    assert verify(vc, opts(served, cache)).verified
    after = NOW + timedelta(days=7)  # validUntil (NOW + 7 d - 1 h) passed, beyond the skew
    report = verify(vc, opts(served, cache, after))
    assert report.status is ReportStatus.INDETERMINATE
    assert report.codes == ["status_list_expired"]
    assert cache.misses == 2  # not served from the cache: verified again, then judged stale


def test_without_a_cache_every_verification_checks_the_proof(bank: Bank) -> None:
    served = Served([bank.status_list(NOW - timedelta(hours=1))])
    options = VerifyOptions(resolver=default_resolver(), now=NOW, status_fetcher=served)
    assert verify(bank.credential(), options).verified
