"""Issuance throughput of the issuer service against the raw Ed25519 signing rate, in one run.

Prints credentials issued per second and their ratio to the raw pynacl Ed25519 signing rate
measured in the same run (one credential = one issuer signature, so the ratio is the share
of the issuer's time left to everything else):

- library level: ``issuer_service.domain.issue_to_holder`` (status index, build, schema
  check, SD-JWT signing, record, audit: one SQLite transaction each);
- HTTP credential endpoint: ``POST /credential`` with token, nonce and proof made beforehand
  (the issuer's work per credential), through an in-process ASGI client
  (``httpx.ASGITransport``), one request at a time and ``--concurrency`` at once;
- HTTP whole exchange: token, nonce, proof (wallet side) and credential requests per
  credential, one exchange at a time.

Run: ``.venv/bin/python bench/bench_issuer.py [--count N] [--concurrency C]``. The database
is a SQLite file in a temporary directory (WAL), the issuer a did:key, anchoring off.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import nacl.signing

from issuer_service.app import create_app
from issuer_service.deps import Runtime, build_runtime
from issuer_service.domain import KYC, create_offer, issue_to_holder
from issuer_service.importer import import_customers, load_customer_file
from issuer_service.settings import IssuerKeys, IssuerSettings
from passport.did.key import did_key_from_public_key
from passport.exchange.oid4vci import PRE_AUTHORIZED_CODE_GRANT, create_proof_jwt
from passport.keys import KeyType, PrivateKey
from passport.ports import SystemClock

SAMPLE = Path(__file__).resolve().parents[1] / "issuer_service" / "sample_data" / "customers.json"
BASE_URL = "https://bank.example"
CUSTOMERS = [f"TW-{n:04d}" for n in range(1, 21)]


def raw_sign_rate(seconds: float) -> float:
    """Ed25519 signatures per second (pynacl), over a 600-byte message like a JWS input."""
    key = nacl.signing.SigningKey.generate()
    message = os.urandom(600)
    best = 0.0
    for _ in range(3):
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 3:
            for _ in range(50):
                key.sign(message)
            n += 50
        best = max(best, n / (time.perf_counter() - start))
    return best


def settings_for(directory: Path, keys: IssuerKeys) -> IssuerSettings:
    did = did_key_from_public_key(keys.signing.public_key)
    return IssuerSettings(
        config_dir=directory,
        name="Bank of Formosa",
        did=did,
        verification_method=f"{did}#{did.split(':')[2]}",
        base_url=BASE_URL,
        anchor_interval_seconds=0,
        offer_ttl_seconds=3600,
        access_token_ttl_seconds=3600,
        nonce_ttl_seconds=3600,
    )


def library_rate(runtime: Runtime, count: int) -> float:
    holders = []
    for _ in range(count):
        key = PrivateKey.generate(KeyType.ED25519)
        holders.append((did_key_from_public_key(key.public_key), key.public_key.to_jwk()))
    start = time.perf_counter()
    for i, (did, jwk) in enumerate(holders):
        issue_to_holder(
            runtime.db,
            runtime.ctx,
            customer_id=CUSTOMERS[i % len(CUSTOMERS)],
            configuration_id=KYC,
            holder_did=did,
            holder_jwk=jwk,
            actor="bench",
        )
    return count / (time.perf_counter() - start)


async def _token(client: httpx.AsyncClient, runtime: Runtime, i: int) -> str:
    offer = create_offer(
        runtime.db, runtime.ctx, customer_id=CUSTOMERS[i % len(CUSTOMERS)], configuration_id=KYC
    )
    form = {
        "grant_type": PRE_AUTHORIZED_CODE_GRANT,
        "pre-authorized_code": offer.pre_authorized_code,
        "tx_code": offer.tx_code,
    }
    response = await client.post("/token", data=form)
    response.raise_for_status()
    return str(response.json()["access_token"])


async def _request(client: httpx.AsyncClient, token: str, proof: str) -> None:
    body = {"credential_configuration_id": KYC, "proofs": {"jwt": [proof]}}
    response = await client.post(
        "/credential", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    response.raise_for_status()


async def _prepared(client: httpx.AsyncClient, runtime: Runtime, count: int) -> list[Any]:
    jobs = []
    for i in range(count):
        token = await _token(client, runtime, i)
        nonce = (await client.post("/nonce")).json()["c_nonce"]
        holder = PrivateKey.generate(KeyType.ED25519)
        proof = create_proof_jwt(holder, audience=BASE_URL, nonce=nonce, iat=SystemClock().now())
        jobs.append((token, proof))
    return jobs


async def _timed(calls: Sequence[Callable[[], Awaitable[None]]], concurrency: int) -> float:
    semaphore = asyncio.Semaphore(concurrency)

    async def one(call: Callable[[], Awaitable[None]]) -> None:
        async with semaphore:
            await call()

    start = time.perf_counter()
    await asyncio.gather(*(one(c) for c in calls))
    return len(calls) / (time.perf_counter() - start)


async def http_rates(app: Any, count: int, concurrency: int) -> dict[str, float]:
    rates: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        import_customers(runtime.db, runtime.ctx, load_customer_file(SAMPLE))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            for label, width in (("sequential", 1), (f"{concurrency} at once", concurrency)):
                jobs = await _prepared(client, runtime, count)
                calls = [functools.partial(_request, client, t, p) for t, p in jobs]
                rates[f"HTTP credential endpoint, {label}"] = await _timed(calls, width)

            async def exchange(i: int) -> None:
                token = await _token(client, runtime, i)
                nonce = (await client.post("/nonce")).json()["c_nonce"]
                holder = PrivateKey.generate(KeyType.ED25519)
                proof = create_proof_jwt(
                    holder, audience=BASE_URL, nonce=nonce, iat=SystemClock().now()
                )
                await _request(client, token, proof)

            calls = [functools.partial(exchange, i) for i in range(count)]
            rates["HTTP whole exchange (token+nonce+credential), sequential"] = await _timed(
                calls, 1
            )
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=300, help="credentials per measurement")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3.0, help="for the raw signing rate")
    args = parser.parse_args()

    raw = raw_sign_rate(args.seconds)
    rates: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        keys = IssuerKeys.generate()
        lib_dir = Path(tmp) / "library"
        lib_dir.mkdir()
        runtime = build_runtime(settings_for(lib_dir, keys), keys=keys)
        try:
            import_customers(runtime.db, runtime.ctx, load_customer_file(SAMPLE))
            rates["library: issue_to_holder (SD-JWT, SQLite)"] = library_rate(runtime, args.count)
        finally:
            runtime.close()
        http_dir = Path(tmp) / "http"
        http_dir.mkdir()
        app = create_app(
            settings_for(http_dir, keys), runtime_factory=lambda s: build_runtime(s, keys=keys)
        )
        rates.update(asyncio.run(http_rates(app, args.count, args.concurrency)))

    print(f"raw Ed25519 signing (pynacl): {raw:,.0f} signatures/s")
    print(f"{'path':60} {'cred/s':>9} {'of raw':>8}")
    for name, value in rates.items():
        print(f"{name:60} {value:9.1f} {value / raw:8.2%}")


if __name__ == "__main__":
    main()
