"""Data Integrity verdicts and malformed proofs found by the hardening work (issue 7): a
context added after signing an eddsa-jcs-2022 credential, a proof created in the future,
a cryptosuite that is an object, a document whose type is null."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from di_helpers import KeyResolver, credential_for, did_of, vm_of

from passport.di import eddsa
from passport.did import default_resolver
from passport.errors import MalformedError, VerdictError
from passport.keys import PrivateKey
from passport.verify import VerifyOptions, verify

SUITES = [eddsa.EDDSA_RDFC_2022, eddsa.EDDSA_JCS_2022]
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _signed(key: PrivateKey, suite: str, created: datetime = NOW) -> dict[str, Any]:
    return eddsa.sign(
        credential_for(did_of(key)), key, vm_of(key), cryptosuite=suite, created=created
    )


@pytest.mark.parametrize("suite", SUITES)
def test_an_unknown_context_added_after_signing_is_an_error(
    suite: str, issuer_key: PrivateKey, resolver: KeyResolver
) -> None:
    signed = _signed(issuer_key, suite)
    signed["@context"] = [*signed["@context"], "https://attacker.example/redefine-terms"]
    with pytest.raises(MalformedError) as err:
        eddsa.verify(signed, resolver, now=NOW)
    assert err.value.code == "jsonld_context_unknown"


def test_jcs_accepts_embedded_contexts_and_known_urls(
    issuer_key: PrivateKey, resolver: KeyResolver
) -> None:
    doc = credential_for(did_of(issuer_key))
    doc["@context"] = [*doc["@context"], {"@vocab": "https://bank.example/vocab#"}]
    signed = eddsa.sign(doc, issuer_key, vm_of(issuer_key), cryptosuite="eddsa-jcs-2022")
    assert eddsa.verify(signed, resolver, now=NOW).cryptosuite == "eddsa-jcs-2022"


@pytest.mark.parametrize("suite", SUITES)
def test_a_proof_created_in_the_future_is_rejected(
    suite: str, issuer_key: PrivateKey, resolver: KeyResolver
) -> None:
    signed = _signed(issuer_key, suite, created=NOW + timedelta(days=365))
    with pytest.raises(VerdictError) as err:
        eddsa.verify(signed, resolver, now=NOW)
    assert err.value.code == "proof_created_in_future"
    # within the clock skew it is accepted
    near = _signed(issuer_key, suite, created=NOW + timedelta(seconds=30))
    assert eddsa.verify(near, resolver, now=NOW).created == NOW + timedelta(seconds=30)


@pytest.mark.parametrize("value", [{"a": 1}, ["eddsa-jcs-2022"], None, 7])
def test_a_cryptosuite_that_is_not_a_string_is_unsupported(
    issuer_key: PrivateKey, resolver: KeyResolver, value: Any
) -> None:
    signed = _signed(issuer_key, "eddsa-jcs-2022")
    signed["proof"]["cryptosuite"] = value
    with pytest.raises(VerdictError) as err:
        eddsa.verify(signed, resolver, now=NOW)
    assert err.value.code == "cryptosuite_unsupported"


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("value", [None, 7, {"a": 1}])
def test_the_pipeline_reports_a_document_whose_type_is_not_a_list(
    suite: str, issuer_key: PrivateKey, value: Any
) -> None:
    signed = copy.deepcopy(_signed(issuer_key, suite))
    signed["type"] = value
    options = VerifyOptions(resolver=default_resolver(), now=NOW, require_holder_binding=False)
    report = verify(json.dumps(signed), options)
    assert report.status.value == "invalid" and report.codes
