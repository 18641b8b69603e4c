"""``wallet receive``, ``wallet list``, ``wallet show``, ``wallet refresh``: credentials in,
credentials shown, new copies of a batch credential.

``list`` shows what the wallet last knew (no network: it stays fast and works offline);
``list --refresh`` and ``show`` check signature, validity and live status again and, when a
deployment is configured, the issuer's accreditation on chain. The work of ``list`` is in
``wallet_cli.listing`` (also reached without typer, through ``wallet_cli.fastpath``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wallet_cli import context, listing, render
from wallet_cli.i18n import t

app = typer.Typer(rich_markup_mode=None)

JsonOpt = Annotated[bool, typer.Option("--json", help=t("help.json"))]


def _offer_text(offer: str | None, qr: Path | None) -> str:
    from passport.errors import MalformedError

    if (offer is None) == (qr is None):
        raise MalformedError("option_invalid", t("error.offer_or_qr"))
    if qr is not None:
        from passport.wallet.qr import read_qr

        return read_qr(qr)
    assert offer is not None
    return offer


def _check_offer_scheme(text: str) -> None:
    from passport.errors import MalformedError
    from passport.exchange.oid4vci import OFFER_SCHEME

    if not text.startswith((OFFER_SCHEME, "https://", "http://")):
        raise MalformedError("credential_offer_malformed", t("error.not_an_offer"))


def _offer_host(text: str) -> str:
    """The credential issuer named in an offer (for the loopback http rule)."""
    from passport.exchange.oid4vci import parse_offer_uri

    try:
        return parse_offer_uri(text).credential_issuer
    except Exception:  # noqa: BLE001 - by reference: the offer URI itself says where
        from urllib.parse import parse_qs, urlsplit

        ref = parse_qs(urlsplit(text).query).get("credential_offer_uri", [""])[0]
        return ref


def tx_code_for(text: str, pin: str | None) -> str | None:
    """--pin, else a prompt when the offer (by value) asks for a tx_code."""
    if pin is not None:
        return pin
    from passport.exchange.oid4vci import parse_offer_uri

    try:
        needs = parse_offer_uri(text).tx_code is not None
    except Exception:  # noqa: BLE001 - a by-reference offer: ask, the issuer decides
        needs = True
    if not needs:
        return None
    import sys

    from passport.errors import ConfigurationError

    if not sys.stdin.isatty():
        raise ConfigurationError("tx_code_required", t("error.pin_missing"))
    value: str = typer.prompt(t("prompt.pin"), hide_input=True)
    return value


@app.command("receive", help=t("help.receive"))
def receive(
    offer: Annotated[str | None, typer.Argument(help=t("help.offer"))] = None,
    qr: Annotated[Path | None, typer.Option("--qr", help=t("help.qr_offer"))] = None,
    pin: Annotated[str | None, typer.Option("--pin", help=t("help.pin"))] = None,
    copies: Annotated[
        int, typer.Option("--copies", min=1, max=100, envvar="WALLET_COPIES", help=t("help.copies"))
    ] = 10,
    as_json: JsonOpt = False,
) -> None:
    from passport.wallet.flows import receive as receive_flow

    text = _offer_text(offer, qr)
    _check_offer_scheme(text)
    tx_code = tx_code_for(text, pin)
    with (
        context.open_wallet() as (st, state, secret),
        context.http_client() as http,
        render.progress("progress.receive"),
    ):
        new_state, held = receive_flow(
            text,
            tx_code=tx_code,
            state=state,
            http=http,
            resolver=context.resolver(http),
            status_fetcher=context.status_fetcher(http),
            token_status=context.token_status(http),
            clock=context.clock(),
            allow_http=context.allow_http(_offer_host(text)),
            copies=copies,
        )
        st.save(new_state, secret)
    if as_json:
        render.print_json(
            [render.credential_summary(h, None, new_state.unused_copies(h)) for h in held]
        )
        return
    from passport.formats import FORMAT_DFP_OFFLINE

    for h in held:
        done = "receive.done_offline" if h.format == FORMAT_DFP_OFFLINE else "receive.done"
        render.say(done, type=h.display_type, id=h.id, issuer=h.issuer)
        if h.is_batch:
            render.say("receive.copies", copies=len(h.copies))


@app.command("refresh", help=t("help.refresh_batch"))
def refresh(
    credential_id: Annotated[str, typer.Argument(help=t("help.credential_id"))],
    offer: Annotated[str | None, typer.Option("--offer", help=t("help.refresh_offer"))] = None,
    qr: Annotated[Path | None, typer.Option("--qr", help=t("help.qr_offer"))] = None,
    pin: Annotated[str | None, typer.Option("--pin", help=t("help.pin"))] = None,
    copies: Annotated[
        int, typer.Option("--copies", min=2, max=100, envvar="WALLET_COPIES", help=t("help.copies"))
    ] = 10,
    as_json: JsonOpt = False,
) -> None:
    from passport.wallet.flows import refresh_batch

    text: str | None = None
    tx_code: str | None = None
    if offer is not None or qr is not None:
        text = _offer_text(offer, qr)
        _check_offer_scheme(text)
        tx_code = tx_code_for(text, pin)
    with (
        context.open_wallet() as (st, state, secret),
        context.http_client() as http,
        render.progress("progress.receive"),
    ):
        held = state.credential(credential_id)
        issuer_url = (held.issuer_url if held else None) or ""
        new_state, renewed = refresh_batch(
            credential_id,
            state=state,
            http=http,
            resolver=context.resolver(http),
            status_fetcher=context.status_fetcher(http),
            token_status=context.token_status(http),
            clock=context.clock(),
            offer=text,
            tx_code=tx_code,
            allow_http=context.allow_http(_offer_host(text) if text else issuer_url),
            copies=copies,
        )
        st.save(new_state, secret)
    unused = new_state.unused_copies(renewed)
    if as_json:
        render.print_json(render.credential_summary(renewed, None, unused))
        return
    render.say(
        "refresh.done",
        type=renewed.display_type,
        id=renewed.id,
        unused=unused,
        total=len(renewed.copies),
    )


@app.command("list", help=t("help.list"))
def list_(
    refresh: Annotated[bool, typer.Option("--refresh", help=t("help.refresh"))] = False,
    as_json: JsonOpt = False,
) -> None:
    listing.list_credentials(refresh=refresh, as_json=as_json)


@app.command("show", help=t("help.show"))
def show(
    credential_id: Annotated[str, typer.Argument(help=t("help.credential_id"))],
    offline: Annotated[bool, typer.Option("--offline", help=t("help.offline"))] = False,
    as_json: JsonOpt = False,
) -> None:
    from passport.errors import VerdictError
    from passport.wallet.credentials import subject_claims

    with context.open_wallet() as (st, state, secret):
        held = state.credential(credential_id)
        if held is None:
            raise VerdictError(
                "credential_not_found", t("code.credential_not_found", id=credential_id)
            )
        if not offline:
            state = listing.refresh_state(state, held.id)
            st.save(state, secret)
            held = state.credential(held.id) or held
    accreditation = None if offline else listing.accreditations([held]).get(held.issuer)
    claims = subject_claims(held)
    unused = state.unused_copies(held) if held.is_batch else None
    if as_json:
        render.print_json(
            {**render.credential_summary(held, accreditation, unused), "claims": claims}
        )
        return
    render.credential_detail(held, accreditation, claims, unused)
