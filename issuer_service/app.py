"""The issuer's FastAPI application: ``create_app(settings)``; nothing is built at import.

The lifespan unseals the keys, opens the database (tables created when missing), opens the
first status lists and starts the background anchor worker (``AnchorWorker``: a daemon
thread calling ``issuer_service.anchoring.anchor_pending`` every
``settings.anchor_interval_seconds``), and stops it cleanly on shutdown. OpenAPI at /docs.

Endpoints: ``/.well-known/openid-credential-issuer``, ``/.well-known/oauth-authorization-
server``, ``POST /token``, ``POST /nonce``, ``POST /credential``, ``GET /status/{list_id}``,
``POST /fido/registration/options`` and ``/fido/registration`` (FIDO enrollment),
``GET /vct/{type}`` (SD-JWT VC Type Metadata), ``/.well-known/jwt-vc-issuer``,
``GET /health``. Every request first meets ``limits.RequestLimits`` (body size, media type,
JSON depth: ``settings.max_body_bytes``, ``settings.max_json_depth``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from issuer_service.anchoring import Anchorer, AnchorWorker
from issuer_service.settings import IssuerSettings

if TYPE_CHECKING:
    from issuer_service.anchoring import AnchorRegistry
    from issuer_service.deps import Runtime

__all__ = ["AnchorWorker", "Anchorer", "create_app"]

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
