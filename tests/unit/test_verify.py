"""The verification pipeline: every format, and every check's verdicts and could-not-checks."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from passport import securing
from passport.credentials import build_kyc_credential, credential_status_entry
from passport.credentials.model import hash_id_document_number
from passport.di import eddsa
from passport.did import default_resolver
from passport.did.key import did_key_from_public_key
from passport.errors import ConfigurationError, CouldNotCheckError
from passport.keys import PrivateKey
from passport.report import Outcome, ReportStatus
from passport.status import StatusList, build_status_list_credential
from passport.status.fetch import LocalFirstFetcher
from passport.verify import Format, VerifyOptions, detect_format, verify

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
LIST_URL = "https://bank.example/status/1"
NONCE, AUD = "n-0042", "https://foreign-bank.example"


class Party:
    def __init__(self) -> None:
        self.key = PrivateKey.generate()
        self.did = did_key_from_public_key(self.key.public_key)
        self.vm = f"{self.did}#{self.did.removeprefix('did:key:')}"


@pytest.fixture
def bank() -> Party:
    return Party()


@pytest.fixture
def citizen() -> Party:
    return Party()


def kyc(bank: Party, citizen: Party, index: int = 7) -> dict[str, Any]:
    return build_kyc_credential(
        issuer=bank.did,
        holder=citizen.did,
        legal_name="Lin Mei-Hua",
        given_name="Mei-Hua",
        family_name="Lin",
        birth_date=date(1990, 4, 1),
        nationality="TW",
        id_document_type="national_id",
        id_document_number_hash=hash_id_document_number("A123456789", salt=b"s" * 16),
        kyc_level="enhanced",
        verification_date=date(2026, 11, 1),
        status=credential_status_entry(LIST_URL, index),
        valid_from=NOW - timedelta(days=1),
        valid_until=NOW + timedelta(days=365),
    )


def status_list(bank: Party, revoked: tuple[int, ...] = ()) -> dict[str, Any]:
    lst = StatusList()
    for i in revoked:
        lst.set(i)
    unsigned = build_status_list_credential(
        issuer=bank.did,
        url=LIST_URL,
        purpose="revocation",
        status_list=lst,
        valid_from=NOW - timedelta(days=1),
        valid_until=NOW + timedelta(days=30),
    )
    return eddsa.sign(unsigned, bank.key, bank.vm, cryptosuite="eddsa-rdfc-2022", created=NOW)


def options(*lists: Mapping[str, Any], nonce: str | None = None, **kw: Any) -> VerifyOptions:
    return VerifyOptions(
        resolver=default_resolver(),
        now=kw.pop("now", NOW),
        nonce=nonce,
        audience=AUD if nonce else None,
        status_fetcher=LocalFirstFetcher(local=list(lists)),
        **kw,
    )


def issue(bank: Party, doc: dict[str, Any], fmt: str) -> str | dict[str, Any]:
    return securing.issue(
        doc, bank.key, securing.IssueFormat(fmt), resolver=default_resolver(), now=NOW
    )


def codes(report: Any) -> list[str]:
    return report.codes


@pytest.mark.parametrize("fmt", ["sd-jwt", "di-rdfc", "di-jcs"])
def test_project_credential_verifies_with_every_check(
    bank: Party, citizen: Party, fmt: str
) -> None:
    report = verify(issue(bank, kyc(bank, citizen), fmt), options(status_list(bank)))
    assert report.status is ReportStatus.VERIFIED, report.to_dict()
    names = [c.name for c in report.checks]
    for check in ("format", "signature", "schema", "validity_period", "status"):
        assert check in names


@pytest.mark.parametrize("fmt", ["sd-jwt", "di-rdfc", "di-jcs"])
def test_revoked_credential_is_invalid(bank: Party, citizen: Party, fmt: str) -> None:
    report = verify(issue(bank, kyc(bank, citizen, index=7), fmt), options(status_list(bank, (7,))))
    assert report.status is ReportStatus.INVALID
    assert codes(report) == ["revoked"]


def test_other_entries_revoked_do_not_affect_this_one(bank: Party, citizen: Party) -> None:
    report = verify(
        issue(bank, kyc(bank, citizen, index=8), "di-jcs"), options(status_list(bank, (7, 9)))
    )
    assert report.verified


def test_unreachable_status_list_is_indeterminate_not_invalid(bank: Party, citizen: Party) -> None:
    class Down:
        def fetch(self, url: str) -> Mapping[str, Any]:
            raise CouldNotCheckError("status_list_unavailable", "connection refused")

    opts = VerifyOptions(resolver=default_resolver(), now=NOW, status_fetcher=Down())
    report = verify(issue(bank, kyc(bank, citizen), "sd-jwt"), opts)
    assert report.status is ReportStatus.INDETERMINATE
    status = next(c for c in report.checks if c.name == "status")
    assert status.outcome is Outcome.COULD_NOT_CHECK and status.code == "status_list_unavailable"


def test_status_list_signed_by_someone_else_is_rejected(bank: Party, citizen: Party) -> None:
    mallory = Party()
    forged = status_list(mallory)  # issuer is mallory's DID
    report = verify(issue(bank, kyc(bank, citizen), "di-jcs"), options(forged))
    assert codes(report) == ["status_list_issuer_mismatch"]


def test_tampered_status_list_is_rejected(bank: Party, citizen: Party) -> None:
    good = status_list(bank, (7,))
    cleared = copy.deepcopy(good)
    cleared["credentialSubject"]["encodedList"] = status_list(bank)["credentialSubject"][
        "encodedList"
    ]
    report = verify(issue(bank, kyc(bank, citizen, 7), "di-jcs"), options(cleared))
    assert report.status is ReportStatus.INVALID and codes(report) == ["signature_invalid"]


@pytest.mark.parametrize("fmt", ["sd-jwt", "di-jcs"])
@pytest.mark.parametrize(
    ("shift", "code"), [(timedelta(days=400), "expired"), (timedelta(days=-2), "not_yet_valid")]
)
def test_validity_period(
    bank: Party, citizen: Party, fmt: str, shift: timedelta, code: str
) -> None:
    report = verify(
        issue(bank, kyc(bank, citizen), fmt), options(status_list(bank), now=NOW + shift)
    )
    assert report.status is ReportStatus.INVALID
    if fmt == "sd-jwt":  # the SD-JWT verifier stops at its step 6
        assert codes(report) == [code]
    elif code == "not_yet_valid":  # the proof's `created` is checked with its signature
        assert codes(report) == ["proof_created_in_future"]
    else:  # the month-long status list is outside its window too: a could-not-check
        assert codes(report) == [code, f"status_list_{code}"]


def test_schema_violation_is_reported(bank: Party, citizen: Party) -> None:
    doc = kyc(bank, citizen)
    doc["credentialSubject"]["nationality"] = "Taiwan"  # not ISO 3166-1 alpha-2
    unsigned_ok = eddsa.sign(doc, bank.key, bank.vm, cryptosuite="eddsa-jcs-2022", created=NOW)
    report = verify(unsigned_ok, options(status_list(bank)))
    assert codes(report) == ["schema_invalid"]


def test_sd_jwt_presentation_discloses_only_what_was_chosen(bank: Party, citizen: Party) -> None:
    issued = issue(bank, kyc(bank, citizen), "sd-jwt")
    pres = securing.present(
        issued,
        citizen.key,
        nonce=NONCE,
        audience=AUD,
        resolver=default_resolver(),
        now=NOW,
        disclose=["nationality", "kycLevel"],
    )
    report = verify(pres, options(status_list(bank), nonce=NONCE))
    assert report.verified, report.to_dict()
    subject = report.subject["credentialSubject"]
    assert subject["nationality"] == "TW" and subject["kycLevel"] == "enhanced"
    assert "legalName" not in subject and "birthDate" not in subject
    for check in ("holder_proof", "nonce", "audience", "holder_binding"):
        assert check in [c.name for c in report.checks]


def test_sd_jwt_presentation_replayed_to_another_verifier_fails(
    bank: Party, citizen: Party
) -> None:
    pres = securing.present(
        issue(bank, kyc(bank, citizen), "sd-jwt"),
        citizen.key,
        nonce=NONCE,
        audience=AUD,
        resolver=default_resolver(),
        now=NOW,
    )
    opts = VerifyOptions(
        resolver=default_resolver(),
        now=NOW,
        nonce=NONCE,
        audience="https://evil.example",
        status_fetcher=LocalFirstFetcher([status_list(bank)]),
    )
    assert verify(pres, opts).codes == ["audience_mismatch"]
    stale = options(status_list(bank), nonce=NONCE, now=NOW + timedelta(hours=1))
    assert verify(pres, stale).codes == ["kb_expired"]


def test_sd_jwt_without_key_binding_is_not_a_presentation(bank: Party, citizen: Party) -> None:
    issued = issue(bank, kyc(bank, citizen), "sd-jwt")
    assert isinstance(issued, str)
    # an issued SD-JWT verifies as a credential, but it does not prove who presents it
    detected = detect_format(issued)
    assert detected.format is Format.SD_JWT and not detected.presentation


def test_sd_jwt_cnf_key_not_of_the_subject_fails_holder_binding(
    bank: Party, citizen: Party
) -> None:
    from passport.sdjwt import holder as sd_holder
    from passport.sdjwt import issuer as sd_issuer

    thief = Party()
    doc = kyc(bank, citizen)  # subject is the citizen...
    issued = sd_issuer.issue(
        doc, bank.key, kid=bank.vm, holder_jwk=thief.key.public_key.to_jwk(), now=NOW
    )
    pres = sd_holder.present(
        issued,
        disclose=["credentialSubject/nationality"],
        holder_key=thief.key,
        nonce=NONCE,
        aud=AUD,
        now=NOW,
    )  # ...but bound to the thief's key
    report = verify(pres, options(status_list(bank), nonce=NONCE))
    assert report.codes == ["holder_binding_failed"]


def test_sd_jwt_signed_by_a_key_not_of_the_issuer(bank: Party, citizen: Party) -> None:
    from passport.sdjwt import issuer as sd_issuer

    mallory = Party()
    issued = sd_issuer.issue(kyc(bank, citizen), mallory.key, kid=mallory.vm, now=NOW)
    report = verify(issued, options(status_list(bank)))
    assert report.status is ReportStatus.INVALID and report.codes == ["issuer_mismatch"]


@pytest.mark.parametrize("fmt", ["di-rdfc", "di-jcs"])
def test_data_integrity_presentation(bank: Party, citizen: Party, fmt: str) -> None:
    issued = issue(bank, kyc(bank, citizen), fmt)
    vp = securing.present(
        issued, citizen.key, nonce=NONCE, audience=AUD, resolver=default_resolver(), now=NOW
    )
    report = verify(vp, options(status_list(bank), nonce=NONCE))
    assert report.verified, report.to_dict()
    assert report.credentials and report.credentials[0].verified

    wrong = verify(vp, options(status_list(bank), nonce="other"))
    assert wrong.codes == ["challenge_mismatch"]


def test_someone_elses_credential_in_my_presentation_fails_holder_binding(
    bank: Party, citizen: Party
) -> None:
    thief = Party()
    issued = issue(bank, kyc(bank, citizen), "di-jcs")
    vp = securing.present(
        issued, thief.key, nonce=NONCE, audience=AUD, resolver=default_resolver(), now=NOW
    )
    report = verify(vp, options(status_list(bank), nonce=NONCE))
    assert report.status is ReportStatus.INVALID
    assert report.codes == ["holder_binding_failed"]


def test_tampered_credential_inside_freshly_signed_presentation_fails(
    bank: Party, citizen: Party
) -> None:
    issued = issue(bank, kyc(bank, citizen), "di-rdfc")
    assert isinstance(issued, dict)
    issued["credentialSubject"]["kycLevel"] = "full"
    vp = eddsa.present(
        [issued],
        citizen.key,
        citizen.vm,
        holder=citizen.did,
        challenge=NONCE,
        domain=AUD,
        created=NOW,
    )
    report = verify(vp, options(status_list(bank), nonce=NONCE))
    assert report.status is ReportStatus.INVALID
    holder_proof = next(c for c in report.checks if c.name == "holder_proof")
    assert holder_proof.outcome is Outcome.PASSED  # the holder's own proof is fine...
    assert report.credentials[0].codes == ["signature_invalid"]  # ...the credential is not


def test_legacy_presentation_verifies_every_credential(bank: Party, citizen: Party) -> None:
    v1 = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://www.w3.org/2018/credentials/examples/v1",
        ],
        "type": ["VerifiableCredential"],
        "issuer": bank.did,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": citizen.did, "alumniOf": "National Taiwan University"},
    }
    issued = issue(bank, v1, "ldp-v1")
    vp = securing.present(
        issued, citizen.key, nonce=NONCE, audience=AUD, resolver=default_resolver(), now=NOW
    )
    assert verify(vp, options(nonce=NONCE)).verified
    tampered = copy.deepcopy(vp)
    tampered["verifiableCredential"][0]["credentialSubject"]["alumniOf"] = "MIT"
    report = verify(tampered, options(nonce=NONCE))
    # changed after the holder signed: the holder's proof and the credential's both break
    assert report.status is ReportStatus.INVALID
    assert report.codes == ["signature_invalid", "signature_invalid"]
    assert report.credentials[0].codes == ["signature_invalid"]


def test_unresolvable_issuer_is_indeterminate(citizen: Party) -> None:
    doc = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential"],
        "issuer": "did:web:127.0.0.1%3A9",  # nothing listens on the discard port
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": citizen.did, "name": "x"},
    }
    signed = eddsa.sign(
        doc, citizen.key, "did:web:127.0.0.1%3A9#key-1", cryptosuite="eddsa-jcs-2022", created=NOW
    )
    report = verify(signed, options())
    assert report.status is ReportStatus.INDETERMINATE
    sig = next(c for c in report.checks if c.name == "signature")
    assert sig.outcome is Outcome.COULD_NOT_CHECK and sig.code == "did_web_forbidden_host"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("", "malformed"),
        ("not a credential", "malformed"),
        ("{not json", "malformed"),
        (json.dumps({"type": ["VerifiableCredential"]}), "proof_missing"),
        (json.dumps({"proof": {"type": "RsaSignature2018"}}), "proof_type_unsupported"),
        (
            json.dumps({"proof": {"type": "DataIntegrityProof", "cryptosuite": "ecdsa-rdfc-2019"}}),
            "cryptosuite_unsupported",
        ),
        ("eyJhbGciOi.e30.c2ln~", "jwt_malformed"),
        ("eyJhbGciOiJFZERTQSJ9.e30.c2ln~", "typ_mismatch"),
        (b"\xff\xfe", "malformed"),
    ],
)
def test_malformed_input_gives_a_report_not_an_exception(data: Any, code: str) -> None:
    report = verify(data, options())
    assert report.status is ReportStatus.INVALID
    assert report.codes == [code]


# --- the pipeline tells the truth (issue 8) -------------------------------------------------


def status_list_until(
    bank: Party, until: datetime, revoked: tuple[int, ...] = ()
) -> dict[str, Any]:
    lst = StatusList()
    for i in revoked:
        lst.set(i)
    unsigned = build_status_list_credential(
        issuer=bank.did,
        url=LIST_URL,
        purpose="revocation",
        status_list=lst,
        valid_from=until - timedelta(days=7),
        valid_until=until,
    )
    return eddsa.sign(
        unsigned,
        bank.key,
        bank.vm,
        cryptosuite="eddsa-rdfc-2022",
        created=until - timedelta(days=7),
    )


@pytest.mark.parametrize("fmt", ["sd-jwt", "di-rdfc", "di-jcs"])
@pytest.mark.parametrize("revoked", [(), (7,)])
def test_expired_status_list_is_indeterminate_not_an_expired_credential(
    bank: Party, citizen: Party, fmt: str, revoked: tuple[int, ...]
) -> None:
    # the bank signs lists for 7 days; a week's outage must not make good credentials invalid
    stale = status_list_until(bank, NOW - timedelta(hours=1), revoked)
    report = verify(issue(bank, kyc(bank, citizen, index=7), fmt), options(stale))
    assert report.status is ReportStatus.INDETERMINATE, report.to_dict()
    assert report.codes == ["status_list_expired"]
    status = next(c for c in report.checks if c.name == "status")
    assert status.outcome is Outcome.COULD_NOT_CHECK


def test_status_list_within_clock_skew_of_its_end_still_counts(bank: Party, citizen: Party) -> None:
    edge = status_list_until(bank, NOW - timedelta(seconds=30), (7,))  # skew is 60 s
    report = verify(issue(bank, kyc(bank, citizen, index=7), "di-jcs"), options(edge))
    assert report.codes == ["revoked"]
    late = status_list_until(bank, NOW - timedelta(seconds=61), (7,))
    assert verify(issue(bank, kyc(bank, citizen, 7), "di-jcs"), options(late)).codes == [
        "status_list_expired"
    ]


def test_status_list_not_yet_valid_is_indeterminate(bank: Party, citizen: Party) -> None:
    future = status_list_until(bank, NOW + timedelta(days=8))  # valid from NOW + 1 day
    report = verify(issue(bank, kyc(bank, citizen), "sd-jwt"), options(future))
    assert report.status is ReportStatus.INDETERMINATE
    assert report.codes == ["status_list_not_yet_valid"]


def strip_kb(presentation: str) -> str:
    return presentation[: presentation.rindex("~") + 1]


def legacy_credential(bank: Party, citizen: Party) -> dict[str, Any]:
    v1 = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://www.w3.org/2018/credentials/examples/v1",
        ],
        "type": ["VerifiableCredential"],
        "issuer": bank.did,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": citizen.did, "alumniOf": "National Taiwan University"},
    }
    issued = issue(bank, v1, "ldp-v1")
    assert isinstance(issued, dict)
    return issued


@pytest.mark.parametrize("bare", ["sd-jwt-kb-stripped", "di-rdfc", "di-jcs", "ldp-v1"])
@pytest.mark.parametrize(("nonce", "aud"), [(NONCE, AUD), (NONCE, None), (None, AUD)])
def test_nonce_or_audience_asked_for_requires_a_presentation(
    bank: Party, citizen: Party, bare: str, nonce: str | None, aud: str | None
) -> None:
    """The four false accepts of issue 7: a bare credential under nonce/aud is not verified."""
    data: str | dict[str, Any]
    if bare == "sd-jwt-kb-stripped":
        pres = securing.present(
            issue(bank, kyc(bank, citizen), "sd-jwt"),
            citizen.key,
            nonce=NONCE,
            audience=AUD,
            resolver=default_resolver(),
            now=NOW,
        )
        assert isinstance(pres, str)
        data = strip_kb(pres)
    elif bare == "ldp-v1":
        data = legacy_credential(bank, citizen)
    else:
        data = issue(bank, kyc(bank, citizen), bare)
    opts = VerifyOptions(
        resolver=default_resolver(),
        now=NOW,
        nonce=nonce,
        audience=aud,
        status_fetcher=LocalFirstFetcher([status_list(bank)]),
    )
    report = verify(data, opts)
    assert report.status is ReportStatus.INVALID, report.to_dict()
    assert report.codes == ["presentation_required"]
    failed = next(c for c in report.checks if c.code == "presentation_required")
    assert failed.name == "holder_proof" and failed.outcome is Outcome.FAILED
    # without nonce and audience the same bytes verify as a credential
    assert verify(data, options(status_list(bank))).verified


def presented(bank: Party, citizen: Party, **kw: Any) -> str:
    pres = securing.present(
        issue(bank, kyc(bank, citizen), "sd-jwt"),
        citizen.key,
        nonce=kw.pop("nonce", NONCE),
        audience=kw.pop("audience", AUD),
        resolver=default_resolver(),
        now=kw.pop("now", NOW),
        **kw,
    )
    assert isinstance(pres, str)
    return pres


def outcomes(report: Any) -> list[tuple[str, str]]:
    return [(c.name, c.outcome.value) for c in report.checks]


def test_sd_jwt_presentation_reports_every_check_as_it_ran(bank: Party, citizen: Party) -> None:
    report = verify(presented(bank, citizen), options(status_list(bank), nonce=NONCE))
    assert outcomes(report) == [
        ("format", "passed"),
        ("signature", "passed"),
        ("issuer", "passed"),
        ("disclosures", "passed"),
        ("validity_period", "passed"),
        ("holder_proof", "passed"),
        ("nonce", "passed"),
        ("audience", "passed"),
        ("holder_binding", "passed"),
        ("schema", "passed"),
        ("status", "passed"),
    ]


def test_sd_jwt_nonce_failure_is_reported_at_the_nonce_check(bank: Party, citizen: Party) -> None:
    report = verify(presented(bank, citizen), options(status_list(bank), nonce="other"))
    assert report.codes == ["kb_nonce_mismatch"]
    assert outcomes(report) == [
        ("format", "passed"),
        ("signature", "passed"),
        ("issuer", "passed"),
        ("disclosures", "passed"),
        ("validity_period", "passed"),
        ("holder_proof", "passed"),
        ("nonce", "failed"),
    ]


def test_sd_jwt_audience_failure_leaves_the_nonce_passed(bank: Party, citizen: Party) -> None:
    opts = VerifyOptions(
        resolver=default_resolver(),
        now=NOW,
        nonce=NONCE,
        audience="https://evil.example",
        status_fetcher=LocalFirstFetcher([status_list(bank)]),
    )
    report = verify(presented(bank, citizen), opts)
    assert report.codes == ["audience_mismatch"]
    assert outcomes(report)[-2:] == [("nonce", "passed"), ("audience", "failed")]


def test_sd_jwt_tampered_signature_fails_signature_and_nothing_else_is_claimed(
    bank: Party, citizen: Party
) -> None:
    pres = presented(bank, citizen)
    jwt, rest = pres.split("~", 1)
    head, body, sig = jwt.split(".")
    forged = f"{head}.{body}.{'A' * len(sig)}~{rest}"
    report = verify(forged, options(status_list(bank), nonce=NONCE))
    assert report.codes == ["signature_invalid"]
    assert outcomes(report) == [("format", "passed"), ("signature", "failed")]


def test_expired_sd_jwt_is_reported_once(bank: Party, citizen: Party) -> None:
    later = NOW + timedelta(days=400)
    pres = presented(bank, citizen, now=later)
    report = verify(pres, options(status_list(bank), nonce=NONCE, now=later))
    assert report.codes == ["expired"]  # once: the verifier's step 6, not again by the pipeline
    assert [c.name for c in report.checks].count("validity_period") == 1


@pytest.mark.parametrize("fmt", ["di-rdfc", "di-jcs"])
def test_data_integrity_reports_signature_and_issuer_apart(
    bank: Party, citizen: Party, fmt: str
) -> None:
    report = verify(issue(bank, kyc(bank, citizen), fmt), options(status_list(bank)))
    assert outcomes(report) == [
        ("format", "passed"),
        ("signature", "passed"),
        ("issuer", "passed"),
        ("schema", "passed"),
        ("validity_period", "passed"),
        ("status", "passed"),
    ]
    mallory = Party()
    suite = {"di-rdfc": "eddsa-rdfc-2022", "di-jcs": "eddsa-jcs-2022"}[fmt]
    forged = eddsa.sign(kyc(bank, citizen), mallory.key, mallory.vm, cryptosuite=suite, created=NOW)
    report = verify(forged, options(status_list(bank)))
    # Data Integrity binds the proof's key to the issuer inside the proof check itself
    assert report.codes == ["issuer_mismatch"]
    assert outcomes(report) == [("format", "passed"), ("signature", "failed")]


def test_expired_legacy_credential_fails_validity_not_signature(
    bank: Party, citizen: Party
) -> None:
    v1 = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://www.w3.org/2018/credentials/examples/v1",
        ],
        "type": ["VerifiableCredential"],
        "issuer": bank.did,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "expirationDate": "2026-06-01T00:00:00Z",
        "credentialSubject": {"id": citizen.did, "alumniOf": "National Taiwan University"},
    }
    report = verify(issue(bank, v1, "ldp-v1"), options())
    assert report.codes == ["expired"]
    assert ("signature", "passed") in outcomes(report)
    assert ("validity_period", "failed") in outcomes(report)


def test_json_presentation_without_credentials_is_presentation_empty(citizen: Party) -> None:
    vp = eddsa.present(
        [], citizen.key, citizen.vm, holder=citizen.did, challenge=NONCE, domain=AUD, created=NOW
    )
    report = verify(vp, options(nonce=NONCE))
    assert report.codes == ["presentation_empty"]


def test_presentation_inside_a_json_presentation_is_credential_format_unsupported(
    bank: Party, citizen: Party
) -> None:
    inner = securing.present(
        issue(bank, kyc(bank, citizen), "di-jcs"),
        citizen.key,
        nonce=NONCE,
        audience=AUD,
        resolver=default_resolver(),
        now=NOW,
    )
    assert isinstance(inner, dict)
    vp = eddsa.present(
        [inner], citizen.key, citizen.vm, holder=citizen.did, challenge=NONCE, domain=AUD,
        created=NOW,
    )  # fmt: skip
    report = verify(vp, options(status_list(bank), nonce=NONCE))
    assert report.codes == ["credential_format_unsupported"]


def test_credential_status_without_a_source_is_status_unavailable(
    bank: Party, citizen: Party
) -> None:
    opts = VerifyOptions(resolver=default_resolver(), now=NOW, status_fetcher=None)
    report = verify(issue(bank, kyc(bank, citizen), "di-jcs"), opts)
    assert report.status is ReportStatus.INDETERMINATE
    assert report.codes == ["status_unavailable"]


def test_a_credential_date_that_is_not_a_date_is_date_malformed(
    bank: Party, citizen: Party
) -> None:
    doc = kyc(bank, citizen)
    doc["validUntil"] = "next tuesday"
    signed = eddsa.sign(doc, bank.key, bank.vm, cryptosuite="eddsa-jcs-2022", created=NOW)
    report = verify(signed, options(status_list(bank)))
    assert report.codes == ["schema_invalid", "date_malformed"]


# --- securing.issue without a resolver (how the issuer service signs) ------------------------


def test_issue_without_a_resolver_when_nothing_needs_resolving(
    bank: Party, citizen: Party
) -> None:
    doc = kyc(bank, citizen)
    bound = securing.issue(
        doc,
        bank.key,
        securing.IssueFormat.SD_JWT,
        now=NOW,
        verification_method=bank.vm,
        holder_jwk=citizen.key.public_key.to_jwk(),
    )
    pres = securing.present(
        bound, citizen.key, nonce=NONCE, audience=AUD, resolver=default_resolver(), now=NOW
    )
    assert verify(pres, options(status_list(bank), nonce=NONCE)).verified
    with pytest.raises(ConfigurationError) as err:
        securing.issue(doc, bank.key, securing.IssueFormat.SD_JWT, now=NOW)
    assert err.value.code == "resolver_required"
