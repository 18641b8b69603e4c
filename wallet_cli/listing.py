"""``wallet list`` (and what ``show`` shares with it), free of typer: the fast path of
``wallet_cli.main.run`` and the typer command both call ``list_credentials``.

``list`` shows what the wallet last knew (no network: it stays fast and works offline);
``--refresh`` checks signature, validity and live status again and, when a deployment is
configured, the issuers' accreditation on chain.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from wallet_cli import context, render

if TYPE_CHECKING:
    from passport.wallet.model import HeldCredential, WalletState


def accreditations(credentials: Iterable[HeldCredential]) -> dict[str, str | None]:
    """issuer DID -> its standing on chain (None: unknown), when a deployment is configured."""
    lookup = context.accreditation_lookup()
    if lookup is None:
        return {}
    out: dict[str, str | None] = {}
    for held in credentials:
        if held.issuer not in out:
            try:
                out[held.issuer] = lookup(held.issuer)
            except Exception:  # noqa: BLE001 - the chain may be down: shown as unknown
                out[held.issuer] = None
    return out


def refresh_state(state: WalletState, only: str | None = None) -> WalletState:
    from passport.wallet.flows import refresh_status

    with context.http_client() as http, render.progress("progress.refresh"):
        return refresh_status(
            state,
            resolver=context.resolver(http),
            status_fetcher=context.status_fetcher(http),
            token_status=context.token_status(http),
            now=context.clock().now(),
            only=only,
        )


def list_credentials(*, refresh: bool, as_json: bool) -> None:
    with context.open_wallet() as (st, state, secret):
        if refresh:
            state = refresh_state(state)
            st.save(state, secret)
    accredited = accreditations(state.credentials) if refresh else {}
    rows = [(c, accredited.get(c.issuer)) for c in state.credentials]
    unused = unused_copies(state)
    if as_json:
        render.print_json([render.credential_summary(c, a, unused.get(c.id)) for c, a in rows])
        return
    render.credentials_table(rows, unused)
    warn_if_low(state)


def unused_copies(state: WalletState) -> dict[str, int]:
    """credential id -> its unused copies, for the batch credentials."""
    return {c.id: state.unused_copies(c) for c in state.credentials if c.is_batch}


def warn_if_low(state: WalletState) -> None:
    """The low-copies warning of ``list`` and ``present`` (below ``LOW_COPIES`` unused)."""
    from passport.wallet.model import LOW_COPIES

    unused = unused_copies(state)
    low = [
        c
        for c in state.credentials
        if c.id in unused and unused[c.id] < LOW_COPIES and c.status in ("valid", "unknown")
    ]
    if low:
        render.warn_low_copies(low, unused)
