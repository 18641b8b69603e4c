"""Production wiring of the issuer: the one place that builds the database, the keys, the
issuer context, the resolver and the chain connection from the settings.

``build_runtime(settings)`` is called by ``create_app``'s lifespan and by the CLI commands;
the FastAPI dependencies below hand its parts to the routes. Tests pass their own clock,
keys or resolver.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request

from issuer_service.db import Database
from issuer_service.domain import IssuerContext
from issuer_service.settings import IssuerKeys, IssuerSettings, open_keys
from passport.ports import Clock, Resolver

if TYPE_CHECKING:
    from passport.chain.client import Chain
    from passport.chain.deployment import Deployment
    from passport.context import ChainContext

__all__ = [
    "DbDep",
    "CtxDep",
    "ResolverDep",
    "Runtime",
    "RuntimeDep",
    "build_context",
    "build_runtime",
    "chain_context",
    "connect_chain",
    "get_runtime",
]


@dataclass
class Runtime:
    """What a running issuer holds: settings, keys, database, context, resolver."""

    settings: IssuerSettings
    keys: IssuerKeys = field(repr=False)
    db: Database
    ctx: IssuerContext
    resolver: Resolver

    def close(self) -> None:
        self.db.dispose()


def build_context(
    settings: IssuerSettings, keys: IssuerKeys, *, clock: Clock | None = None, **overrides: Any
) -> IssuerContext:
    """The domain's ``IssuerContext`` from the settings and the unsealed keys.

    Raises ConfigurationError ``issuer_context_invalid``, ``issuer_config_malformed`` (no
    verification method recorded).
    """
    from passport.errors import ConfigurationError

    if not settings.verification_method:
        raise ConfigurationError(
            "issuer_config_malformed",
            f"{settings.config_path} names no verification_method for the signing key; "
            "run `issuer init` again in a new directory.",
        )
    kwargs: dict[str, Any] = {
        "issuer_did": settings.did,
        "verification_method": settings.verification_method,
        "signing_key": keys.signing,
        "credential_issuer": settings.base_url,
        "bank_name": settings.name,
        "units_per_usd": dict(settings.rates),
        "data_key": keys.data_key,
        "averaging_months": settings.statement_months,
        "offer_ttl": timedelta(seconds=settings.offer_ttl_seconds),
        "token_ttl": timedelta(seconds=settings.access_token_ttl_seconds),
        "nonce_ttl": timedelta(seconds=settings.nonce_ttl_seconds),
        "max_tx_code_attempts": settings.tx_code_max_attempts,
        "tx_code_length": settings.tx_code_length,
        "batch_size": settings.batch_size,
    }
    if clock is not None:
        kwargs["clock"] = clock
    kwargs.update(overrides)
    return IssuerContext(**kwargs)


def build_runtime(
    settings: IssuerSettings,
    *,
    keys: IssuerKeys | None = None,
    clock: Clock | None = None,
    resolver: Resolver | None = None,
    create_tables: bool = True,
    **context_overrides: Any,
) -> Runtime:
    """Unseal the keys (unless given), open the database (creating missing tables), build
    the context and open the first status lists.

    Raises the errors of ``open_keys``, ``build_context``, ``make_engine``.
    """
    from issuer_service.domain import ensure_status_lists
    from passport.did import default_resolver

    keys = keys or open_keys(settings)
    ctx = build_context(settings, keys, clock=clock, **context_overrides)
    db = Database.from_url(settings.database_url, create=create_tables)
    try:
        ensure_status_lists(db, ctx)
    except BaseException:
        db.dispose()
        raise
    resolver = resolver or default_resolver(**resolver_options(settings))
    return Runtime(settings, keys, db, ctx, resolver)


def resolver_options(settings: IssuerSettings) -> dict[str, Any]:
    """The DID resolution policy of ``settings``: did:web to public https hosts only, unless
    ``did_web_allow_loopback`` (tests, local demos) also allows 127.0.0.1 over http."""
    from passport.did.policy import DEFAULT_POLICY, DidWebPolicy

    policy = DidWebPolicy.loopback() if settings.did_web_allow_loopback else DEFAULT_POLICY
    return {"did_web_policy": policy}


def connect_chain(settings: IssuerSettings, *, timeout: float = 10.0) -> tuple[Deployment, Chain]:
    """The issuer's deployment and a checked connection to its chain (``chain_context``'s)."""
    context = chain_context(settings, timeout=timeout)
    return context.deployment, context.chain


def chain_context(settings: IssuerSettings, *, timeout: float = 10.0) -> ChainContext:
    """The issuer's deployment (with ``settings.rpc_url`` when it overrides the file's),
    connected once: ``passport.context.ChainContext`` hands out the chain, the resolver and
    the trust and status registry clients.

    Raises ConfigurationError ``chain_not_configured`` (no deployment in the settings),
    ``deployment_not_found``, ``deployment_malformed``, ``deployment_stale``,
    ``chain_mismatch``; CouldNotCheckError ``rpc_unavailable``.
    """
    from passport.chain.deployment import Deployment
    from passport.errors import ConfigurationError

    if settings.deployment is None:
        raise ConfigurationError(
            "chain_not_configured",
            "This issuer has no chain deployment (it was initialised --offline); credentials "
            "are issued but nothing is anchored.",
        )
    from passport.context import ChainContext

    deployment = Deployment.load(settings.deployment)
    if settings.rpc_url:
        deployment = replace(deployment, rpc_url=settings.rpc_url)
    return ChainContext.connect(deployment, timeout=timeout)


# --- FastAPI dependencies -------------------------------------------------------------------


def get_runtime(request: Request) -> Runtime:
    """The runtime the app's lifespan built."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def _db(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Database:
    return runtime.db


def _ctx(runtime: Annotated[Runtime, Depends(get_runtime)]) -> IssuerContext:
    return runtime.ctx


def _resolver(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Resolver:
    return runtime.resolver


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
DbDep = Annotated[Database, Depends(_db)]
CtxDep = Annotated[IssuerContext, Depends(_ctx)]
ResolverDep = Annotated[Resolver, Depends(_resolver)]
