"""The verifier's FastAPI application: ``create_app(settings)``; nothing is built at import.

The lifespan unseals the keys, reads the policy and opens the database (tables created when
missing). Endpoints: the onboarding page (``/``, ``/onboarding/{id}``, its QR code and status),
OpenID4VP (``/oid4vp/request/{id}``, ``/oid4vp/response/{id}``), the back-office API
(``/api/...``, API key), ``/health``, static files; OpenAPI at ``/docs``.

Several workers: ``uvicorn --workers 2 --factory verifier_service.app:create_app`` with
``$VERIFIER_CONFIG`` and ``$VERIFIER_PASSPHRASE`` set (``verifier serve --workers 2`` does it);
every worker reads the same database, so one flow may hit any of them.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from verifier_service.settings import VerifierSettings

if TYPE_CHECKING:
    from verifier_service.deps import Runtime

__all__ = ["create_app"]

HERE = Path(__file__).resolve().parent


def create_app(
    settings: VerifierSettings | None = None,
    *,
    runtime_factory: Callable[[VerifierSettings], Runtime] | None = None,
) -> FastAPI:
    """The verifier app for ``settings`` (default ``get_settings()``, read at start-up).
    ``runtime_factory`` (tests, the CLI) replaces ``deps.build_runtime``."""
    from fastapi.staticfiles import StaticFiles
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from verifier_service.errors import install_error_handlers
    from verifier_service.routers import api, oid4vp, pages

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from verifier_service.deps import build_runtime
        from verifier_service.settings import get_settings

        resolved = settings or get_settings()
        runtime = (runtime_factory or build_runtime)(resolved)
        app.state.runtime = runtime
        try:
            yield
        finally:
            runtime.close()

    app = FastAPI(
        title="Digital Financial Passport: verifier",
        description="A foreign bank's onboarding: OpenID4VP 1.0 requests, verification, decisions.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.templates = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=select_autoescape(["html"]),
    )
    install_error_handlers(app)
    for module in (pages, oid4vp, api):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/health", tags=["operations"], summary="Liveness, policy and chain configuration")
    def health() -> dict[str, Any]:
        runtime: Runtime = app.state.runtime
        return {
            "status": "ok",
            "name": runtime.settings.name,
            "policy": runtime.policy.name,
            "client_id_prefix": runtime.settings.client_id_prefix,
            "chain": runtime.chain.configured,
            "worker": os.getpid(),
        }

    return app
