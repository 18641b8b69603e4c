"""Verification throughput of the pipeline and of every format against the raw Ed25519 limit,
in one run.

Prints verifications per second and the ratio to the raw pynacl Ed25519 verify rate for the
number of signatures each checks:

- the whole pipeline, ``passport.verify.verify``: an SD-JWT presentation of a KYC credential
  issued by a bank's did:ethr on the embedded chain, with its status list and the
  regulator's accreditation check, warm (``bench/scenario.py``): 2 signatures (issuer JWT +
  KB-JWT; the status list's proof is verified once and cached by content digest); target
  >= 35%; each call verifies another fresh presentation (its own nonce and KB-JWT, from a pool
  of ``--pool`` made beforehand); printed next to the SD-JWT primitive on the same pool;
- SD-JWT presentation (issuer JWT + KB-JWT, 5 disclosures): 2 signatures; target >= 50%
- eddsa-jcs-2022 credential: 1 signature; target >= 50%
- eddsa-rdfc-2022 credential: target >= didkit's Ed25519Signature2020 rate (same run)

The raw limit, the pipeline and the SD-JWT and eddsa-jcs primitives are measured in rounds that
take turns, so the load of a shared machine falls on all of them alike.

Run: ``./run bench`` (or ``.venv/bin/python bench/bench_verify.py [--seconds S]``).
DID resolution is warm (cached did:key), as in a verifier that has seen the issuer before.
"""

from __future__ import annotations

import argparse
import itertools
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import nacl.bindings
import nacl.signing
from scenario import bank_on_chain, pipeline_scenario

from passport.di import eddsa
from passport.did import default_resolver
from passport.did.key import did_key_from_public_key
from passport.did.resolver import resolve_method
from passport.keys import PrivateKey
from passport.sdjwt import holder as sd_holder
from passport.sdjwt import issuer as sd_issuer
from passport.sdjwt import verifier as sd_verifier
from passport.verify import _issuer_key_lookup, verify

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def rate(fn: Callable[[], Any], seconds: float) -> float:
    """Calls per second of ``fn``, best of three rounds of ``seconds / 3``."""
    fn()  # warm caches
    best = 0.0
    for _ in range(3):
        n, start = 0, time.perf_counter()
        deadline = start + seconds / 3
        while True:
            for _ in range(20):
                fn()
            n += 20
            now = time.perf_counter()
            if now >= deadline:
                break
        best = max(best, n / (now - start))
    return best


def interleaved(fns: dict[str, Callable[[], Any]], seconds: float) -> dict[str, float]:
    """Calls per second of each of ``fns``, best of three rounds that take turns (so a
    shared machine's changing load falls on all of them alike and their ratios hold)."""
    for fn in fns.values():
        fn()  # warm caches
    best = dict.fromkeys(fns, 0.0)
    share = seconds / 3
    for _ in range(3):
        for name, fn in fns.items():
            n, start = 0, time.perf_counter()
            while True:
                for _ in range(20):
                    fn()
                n += 20
                now = time.perf_counter()
                if now - start >= share:
                    break
            best[name] = max(best[name], n / (now - start))
    return best


def credential(issuer: str, holder: str) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential", "ExampleBankCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {
            "id": holder,
            "name": "Lin Mei-Hua",
            "birthDate": "1990-04-01",
            "nationality": "TW",
            "currency": "TWD",
            "balance": "1250000",
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    parser.add_argument("--pool", type=int, default=2000, help="fresh presentations to cycle")
    args = parser.parse_args()
    secs = args.seconds
    pool_size = max(1, args.pool)

    issuer_key, holder_key = PrivateKey.generate(), PrivateKey.generate()
    issuer = did_key_from_public_key(issuer_key.public_key)
    holder = did_key_from_public_key(holder_key.public_key)
    vm = f"{issuer}#{issuer.split(':')[-1]}"
    resolver = default_resolver()
    doc = credential(issuer, holder)

    # raw limit: pynacl Ed25519 verify of a typical JWS-sized message
    sk = nacl.signing.SigningKey.generate()
    msg = os.urandom(600)
    sig = sk.sign(msg).signature
    pk = bytes(sk.verify_key)
    raw_fn = lambda: nacl.bindings.crypto_sign_open(sig + msg, pk)  # noqa: E731

    # SD-JWT presentation: 5 disclosures + KB-JWT
    sd = sd_issuer.issue(
        doc, issuer_key, kid=vm, holder_jwk=holder_key.public_key.to_jwk(), now=NOW
    )
    pres = sd_holder.present(
        sd,
        disclose=lambda path: True,
        holder_key=holder_key,
        nonce="n-1",
        aud="https://bank.example",
        now=NOW,
    )

    def lookup(header: Any, payload: Any) -> Any:
        return resolve_method(resolver, header["kid"], "assertionMethod").public_key

    def sd_fn() -> Any:
        return sd_verifier.verify(
            pres, issuer_key=lookup, now=NOW, nonce="n-1", aud="https://bank.example"
        )

    jcs = eddsa.sign(doc, issuer_key, vm, cryptosuite="eddsa-jcs-2022", created=NOW)
    jcs_fn = lambda: eddsa.verify(jcs, resolver, now=NOW)  # noqa: E731
    rdfc = eddsa.sign(doc, issuer_key, vm, cryptosuite="eddsa-rdfc-2022", created=NOW)
    rdfc_rate = rate(lambda: eddsa.verify(rdfc, resolver, now=NOW), secs)

    from passport import legacy

    v1 = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://www.w3.org/2018/credentials/examples/v1",
        ],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": holder, "alumniOf": "National Taiwan University"},
    }
    ldp = legacy.issue_credential(v1, issuer_key, now=NOW)
    didkit_rate = rate(lambda: legacy.verify_credential(ldp, now=NOW), secs)
    batch = [ldp] * 50  # didkit's best case: many at once on its own thread pool
    didkit_batch_rate = 50 * rate(lambda: legacy.verify_credentials(batch, now=NOW), secs)

    # the whole pipeline, warm, on the embedded chain; each call verifies another fresh
    # presentation (its own nonce and KB-JWT), taken in turn from a pool made beforehand
    scene = pipeline_scenario(*bank_on_chain())
    first = verify(scene.presentation, scene.options)
    assert first.verified, first.to_dict()
    opts = scene.options
    pool = scene.fresh(pool_size)
    assert all(verify(p, o).verified for p, o in pool[:3])
    scene.chain.reset_rpc_calls()
    kyc_lookup = _issuer_key_lookup(opts.resolver)
    turn = itertools.count()

    def pipeline_fn() -> Any:
        pres, options = pool[next(turn) % pool_size]
        return verify(pres, options)

    def kyc_primitive_fn() -> Any:
        pres, options = pool[next(turn) % pool_size]
        return sd_verifier.verify(
            pres,
            issuer_key=kyc_lookup,
            now=options.now,
            nonce=options.nonce,
            aud=options.audience,
            expected_typ="vc+sd-jwt",
        )

    measured = interleaved(
        {
            "raw": raw_fn,
            "pipeline": pipeline_fn,
            "kyc_primitive": kyc_primitive_fn,
            "sd": sd_fn,
            "jcs": jcs_fn,
        },
        secs * 5,
    )
    raw, pipeline_rate = measured["raw"], measured["pipeline"]
    kyc_primitive_rate, sd_rate, jcs_rate = (
        measured["kyc_primitive"],
        measured["sd"],
        measured["jcs"],
    )
    rpc_warm = scene.chain.rpc_calls

    rows = [
        ("raw pynacl Ed25519 verify (1 sig)", raw, 1, None),
        ("PIPELINE verify(): SD-JWT KYC + status + did:ethr + accr.", pipeline_rate, 2, 0.35),
        ("  SD-JWT primitive on the same KYC presentations", kyc_primitive_rate, 2, None),
        ("SD-JWT presentation, 5 disclosures + KB-JWT", sd_rate, 2, 0.50),
        ("eddsa-jcs-2022 credential", jcs_rate, 1, 0.50),
        ("eddsa-rdfc-2022 credential", rdfc_rate, 1, None),
        ("didkit Ed25519Signature2020 (VC 1.1), one by one", didkit_rate, 1, None),
        ("didkit Ed25519Signature2020 (VC 1.1), batches of 50", didkit_batch_rate, 1, None),
    ]
    print(f"{'format':60} {'verif/s':>10} {'sigs':>5} {'of raw':>8}  target")
    for name, r, sigs, target in rows:
        ratio = r * sigs / raw
        goal = "" if target is None else f">= {target:.0%} {'OK' if ratio >= target else 'MISSED'}"
        print(f"{name:60} {r:10.0f} {sigs:5d} {ratio:8.1%}  {goal}")
    cache = opts.status_cache
    assert cache is not None
    print(
        f"pipeline / SD-JWT primitive on the same presentation = "
        f"{pipeline_rate / kyc_primitive_rate:.2f}; warm RPC calls: {rpc_warm}; "
        f"status list proofs verified {cache.misses}, reused {cache.hits}"
    )
    best_didkit = max(didkit_rate, didkit_batch_rate)
    verdict = "OK" if rdfc_rate >= best_didkit else "MISSED"
    print(
        f"eddsa-rdfc-2022 / best didkit Ed25519Signature2020 = {rdfc_rate / best_didkit:.2f}x"
        f"  target >= 1.00x {verdict}"
    )


if __name__ == "__main__":
    main()
