"""Batch issuance (OpenID4VCI 1.0 section 8.2 ``proofs``) against single issuance and the raw
Ed25519 signing rate, in one run.

For each path, a request (or library call) that issues one credential and one that issues a
batch of ``--batch`` copies (each bound to its own holder key, own salts, own status index),
and the ratio "batch cost / single cost" per request (target: at most 3 for a batch of 10):

- library level: ``issuer_service.domain.issue_to_holder`` with ``more_holders`` (one SQLite
  transaction: status indexes, build, schema check, SD-JWT signing, records, audit);
- HTTP: ``POST /credential`` through an in-process ASGI client (``httpx.ASGITransport``
  against ``create_app``), token, nonce and proofs made beforehand (the issuer's work:
  parsing, proof verification, issuance, response), one request at a time.

Both for ``vc+sd-jwt`` (``KYCCredential``) and ``dc+sd-jwt`` (``KYCCredential-dc``).
Run: ``.venv/bin/python bench/bench_batch.py [--count N] [--batch B]``. SQLite file in a
temporary directory, did:key issuer, anchoring off.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_issuer import (  # noqa: E402
    BASE_URL,
    CUSTOMERS,
    SAMPLE,
    _token,
    raw_sign_rate,
    settings_for,
)

from issuer_service.app import create_app  # noqa: E402
from issuer_service.deps import Runtime, build_runtime  # noqa: E402
from issuer_service.domain import issue_to_holder  # noqa: E402
from issuer_service.importer import import_customers, load_customer_file  # noqa: E402
from issuer_service.settings import IssuerKeys  # noqa: E402
from passport.did.jwk import did_jwk_from_jwk  # noqa: E402
from passport.exchange.oid4vci import create_proof_jwt  # noqa: E402
from passport.keys import KeyType, PrivateKey  # noqa: E402
from passport.ports import SystemClock  # noqa: E402

CONFIGS = ("KYCCredential", "KYCCredential-dc")


def _holders(n: int) -> list[tuple[str, dict[str, str]]]:
    out = []
    for _ in range(n):
        jwk = PrivateKey.generate(KeyType.ED25519).public_key.to_jwk()
        out.append((did_jwk_from_jwk(jwk), jwk))
    return out


def library_seconds(runtime: Runtime, config: str, count: int, size: int) -> float:
    """Seconds per call of ``issue_to_holder`` issuing ``size`` copies."""
    jobs = [_holders(size) for _ in range(count)]
    start = time.perf_counter()
    for i, holders in enumerate(jobs):
        (did, jwk), *more = holders
        result = issue_to_holder(
            runtime.db,
            runtime.ctx,
            customer_id=CUSTOMERS[i % len(CUSTOMERS)],
            configuration_id=config,
            holder_did=did,
            holder_jwk=jwk,
            more_holders=more,
            actor="bench",
        )
        assert len(result.copies) == size
    return (time.perf_counter() - start) / count


async def _http_jobs(
    client: httpx.AsyncClient, runtime: Runtime, config: str, count: int, size: int
) -> list[tuple[str, dict[str, Any]]]:
    from issuer_service.domain import create_offer
    from passport.exchange.oid4vci import PRE_AUTHORIZED_CODE_GRANT

    jobs = []
    for i in range(count):
        if config == CONFIGS[0]:
            token = await _token(client, runtime, i)
        else:
            offer = create_offer(
                runtime.db,
                runtime.ctx,
                customer_id=CUSTOMERS[i % len(CUSTOMERS)],
                configuration_id=config,
            )
            form = {
                "grant_type": PRE_AUTHORIZED_CODE_GRANT,
                "pre-authorized_code": offer.pre_authorized_code,
                "tx_code": offer.tx_code,
            }
            token = (await client.post("/token", data=form)).json()["access_token"]
        nonce = (await client.post("/nonce")).json()["c_nonce"]
        now = SystemClock().now()
        proofs = [
            create_proof_jwt(
                PrivateKey.generate(KeyType.ED25519),
                audience=BASE_URL,
                nonce=nonce,
                iat=now,
                embed_jwk=True,
            )
            for _ in range(size)
        ]
        jobs.append((token, {"credential_configuration_id": config, "proofs": {"jwt": proofs}}))
    return jobs


async def http_seconds(app: Any, count: int, size: int) -> dict[str, float]:
    out: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        import_customers(runtime.db, runtime.ctx, load_customer_file(SAMPLE))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            for config in CONFIGS:
                for n in (1, size):
                    jobs = await _http_jobs(client, runtime, config, count, n)
                    start = time.perf_counter()
                    for token, body in jobs:
                        response = await client.post(
                            "/credential", json=body, headers={"Authorization": f"Bearer {token}"}
                        )
                        response.raise_for_status()
                        assert len(response.json()["credentials"]) == n
                    out[f"{config}:{n}"] = (time.perf_counter() - start) / count
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=40, help="requests per measurement")
    parser.add_argument("--batch", type=int, default=10, help="copies per batch request")
    parser.add_argument("--seconds", type=float, default=2.0, help="for the raw signing rate")
    args = parser.parse_args()

    raw = raw_sign_rate(args.seconds)
    lib: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        keys = IssuerKeys.generate()
        lib_dir = Path(tmp) / "library"
        lib_dir.mkdir()
        runtime = build_runtime(settings_for(lib_dir, keys), keys=keys)
        try:
            import_customers(runtime.db, runtime.ctx, load_customer_file(SAMPLE))
            library_seconds(runtime, CONFIGS[0], 3, args.batch)  # warm-up (schemas, caches)
            for config in CONFIGS:
                for n in (1, args.batch):
                    lib[f"{config}:{n}"] = library_seconds(runtime, config, args.count, n)
        finally:
            runtime.close()
        http_dir = Path(tmp) / "http"
        http_dir.mkdir()
        app = create_app(
            settings_for(http_dir, keys), runtime_factory=lambda s: build_runtime(s, keys=keys)
        )
        http = asyncio.run(http_seconds(app, args.count, args.batch))

    print(f"raw Ed25519 signing (pynacl): {raw:,.0f} signatures/s")
    print(
        f"{'path':44} {'single cred/s':>13} {f'batch-{args.batch} cred/s':>15} "
        f"{'batch/single cost':>18} {'of raw (batch)':>15}"
    )
    for label, table in (("library issue_to_holder", lib), ("HTTP POST /credential (ASGI)", http)):
        for config in CONFIGS:
            single, batch = table[f"{config}:1"], table[f"{config}:{args.batch}"]
            rate = args.batch / batch
            print(
                f"{label + ', ' + config:44} {1 / single:13.1f} {rate:15.1f} "
                f"{batch / single:18.2f} {rate / raw:15.2%}"
            )


if __name__ == "__main__":
    main()
