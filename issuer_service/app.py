"""The issuer's FastAPI application: ``create_app(settings)``; nothing is built at import.

The lifespan unseals the keys, opens the database (tables created when missing), opens the
first status lists and starts the background anchor worker (``AnchorWorker``: a daemon
thread calling ``issuer_service.anchoring.anchor_pending`` every
``settings.anchor_interval_seconds``), and stops it cleanly on shutdown. OpenAPI at /docs.

Endpoints: ``/.well-known/openid-credential-issuer``, ``/.well-known/oauth-authorization-
server``, ``POST /token``, ``POST /nonce``, ``POST /credential``, ``GET /status/{list_id}``,
``POST /fido/registration/options`` and ``/fido/registration`` (FIDO enrollment),
``GET /health``. Every request first meets ``limits.RequestLimits`` (body size, media type,
JSON depth: ``settings.max_body_bytes``, ``settings.max_json_depth``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from issuer_service.settings import IssuerSettings

if TYPE_CHECKING:
    from issuer_service.anchoring import AnchorRegistry, AnchorReport
    from issuer_service.deps import Runtime

__all__ = ["AnchorWorker", "Anchorer", "create_app"]

log = logging.getLogger("issuer_service.anchor")


class Anchorer:
    """One anchoring pass with a lazily (re)connected chain: ``run_once()``.

    When the chain cannot be reached (``rpc_unavailable``) the pass still groups the new
    credentials into durable batch jobs (``batch_unanchored``) and reports ``deferred``; the
    next pass reconnects. A chain that is misconfigured (``chain_not_configured``,
    ``deployment_stale``, ``chain_mismatch``) raises. ``registry_factory`` (tests) returns the
    registry to anchor on.
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        registry_factory: Callable[[], AnchorRegistry] | None = None,
    ) -> None:
        self.runtime = runtime
        self._factory = registry_factory or self._connect
        self._registry: AnchorRegistry | None = None
        self._lock = threading.Lock()

    def _connect(self) -> AnchorRegistry:
        from issuer_service.deps import connect_chain
        from passport.chain.registries import StatusRegistryClient

        deployment, chain = connect_chain(self.runtime.settings)
        return StatusRegistryClient(chain, deployment, sender=self.runtime.keys.owner)

    def run_once(self, *, retry_now: bool = False) -> AnchorReport:
        """One pass; never raises for chain errors (they are in the report)."""
        from issuer_service.anchoring import AnchorReport, anchor_pending, batch_unanchored
        from issuer_service.domain import issuer_status
        from passport.errors import CouldNotCheckError

        runtime = self.runtime
        with self._lock:
            if self._registry is None:
                try:
                    self._registry = self._factory()
                except CouldNotCheckError as exc:
                    created = batch_unanchored(runtime.db, runtime.ctx)
                    pending = len(issuer_status(runtime.db)["chain_jobs_pending"])
                    return AnchorReport(
                        batches_created=created,
                        pending=pending,
                        deferred=True,
                        errors=(f"{exc.code}: {exc.message}",),
                    )
            report = anchor_pending(runtime.db, runtime.ctx, self._registry, retry_now=retry_now)
            if report.deferred:
                self._registry = None  # reconnect next time (the node may come back elsewhere)
            return report


class AnchorWorker:
    """A daemon thread that calls ``run_once`` now and then every ``interval`` seconds until
    ``stop()``; ``wake()`` runs a pass early. A failing pass is logged, never fatal."""

    def __init__(self, run_once: Callable[[], Any], interval: float) -> None:
        self.run_once = run_once
        self.interval = interval
        self.passes = 0
        self.deferred = False
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="anchor-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                report = self.run_once()
                deferred = bool(getattr(report, "deferred", False))
                if deferred and not self.deferred:
                    log.warning("chain unreachable; anchors stay queued: %s", report.errors)
                elif self.deferred and not deferred:
                    log.warning("chain reachable again; the anchor queue drains")
                self.deferred = deferred
            except Exception:  # noqa: BLE001 - the worker must outlive any one pass
                log.exception("anchor pass failed")
            self.passes += 1
            self._wake.wait(self.interval)
            self._wake.clear()


def create_app(
    settings: IssuerSettings | None = None,
    *,
    runtime_factory: Callable[[IssuerSettings], Runtime] | None = None,
    registry_factory: Callable[[], AnchorRegistry] | None = None,
) -> FastAPI:
    """The issuer app for ``settings`` (default: ``get_settings()`` from the environment,
    read when the app starts, not now). ``runtime_factory`` (tests) replaces
    ``deps.build_runtime``; ``registry_factory`` replaces the chain connection."""
    from issuer_service.errors import install_error_handlers
    from issuer_service.limits import Limits, RequestLimits
    from issuer_service.routers import credential, fido, nonce, status, token, wellknown

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from issuer_service.deps import build_runtime
        from issuer_service.settings import get_settings

        resolved = settings or get_settings()
        runtime = (runtime_factory or build_runtime)(resolved)
        app.state.runtime = runtime
        from issuer_service.offer_files import sweep

        sweep(runtime.db, runtime.settings.config_dir, runtime.ctx.now())  # stale offer QRs
        worker: AnchorWorker | None = None
        if resolved.anchor_interval_seconds > 0 and (
            resolved.deployment is not None or registry_factory is not None
        ):
            anchorer = Anchorer(runtime, registry_factory=registry_factory)
            worker = AnchorWorker(anchorer.run_once, resolved.anchor_interval_seconds)
            worker.start()
        app.state.anchor_worker = worker
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            runtime.close()

    app = FastAPI(
        title="Digital Financial Passport: issuer",
        description="A bank's OpenID4VCI 1.0 credential issuer (pre-authorized code flow).",
        version="0.1.0",
        lifespan=lifespan,
    )
    install_error_handlers(app)

    def limits(scope: Any) -> Limits:
        runtime = getattr(scope["app"].state, "runtime", None)
        resolved = runtime.settings if runtime is not None else settings
        if resolved is None:
            return Limits()
        return Limits(resolved.max_body_bytes, resolved.max_json_depth)

    app.add_middleware(RequestLimits, limits=limits)
    for module in (wellknown, token, nonce, credential, status, fido):
        app.include_router(module.router)

    @app.get("/health", tags=["operations"], summary="Liveness and the anchor worker's state")
    def health() -> dict[str, Any]:
        worker = app.state.anchor_worker
        return {
            "status": "ok",
            "anchor_worker": None
            if worker is None
            else {"alive": worker.alive, "passes": worker.passes},
        }

    return app
