"""``wallet present REQUEST``: answer an OpenID4VP 1.0 request, with the citizen's consent."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from wallet_cli import context, render
from wallet_cli.i18n import t

app = typer.Typer(rich_markup_mode=None)


def _request_text(request: str | None, qr: Path | None) -> str:
    from passport.errors import MalformedError
    from passport.exchange.oid4vp import SCHEME

    if (request is None) == (qr is None):
        raise MalformedError("option_invalid", t("error.request_or_qr"))
    if qr is not None:
        from passport.wallet.qr import read_qr

        text = read_qr(qr)
    else:
        assert request is not None
        text = request
    if not text.startswith(SCHEME):
        raise MalformedError("authorization_request_malformed", t("error.not_a_request"))
    return text


def _authenticate(record: Any, options: Any, origin: str) -> Any:
    from passport.wallet.fido import SoftwareHolder, UsbHolder

    holder: Any = UsbHolder() if record.kind == "usb" else SoftwareHolder()
    return holder.authenticate(record, options, origin=origin)


def _follow(redirect_uri: str) -> int | None:
    """Open the verifier's redirect (section 8.2): a GET, as a browser would."""
    import httpx

    try:
        return httpx.get(redirect_uri, timeout=10, follow_redirects=True).status_code
    except httpx.HTTPError:
        return None


@app.command("present", help=t("help.present"))
def present(
    request: Annotated[str | None, typer.Argument(help=t("help.request"))] = None,
    qr: Annotated[Path | None, typer.Option("--qr", help=t("help.qr_request"))] = None,
    yes: Annotated[bool, typer.Option("--yes", help=t("help.yes"))] = False,
    no: Annotated[bool, typer.Option("--no", help=t("help.no"))] = False,
    follow: Annotated[bool, typer.Option("--follow/--no-follow", help=t("help.follow"))] = True,
    allow_reuse: Annotated[bool, typer.Option("--allow-reuse", help=t("help.allow_reuse"))] = False,
    as_json: Annotated[bool, typer.Option("--json", help=t("help.json"))] = False,
) -> None:
    from passport.wallet.flows import answer_presentation, prepare_presentation

    text = _request_text(request, qr)
    with context.open_wallet() as (st, state, secret), context.http_client() as http:
        now = context.clock().now()
        with render.progress("progress.request"):
            pending = prepare_presentation(
                text,
                state=state,
                http=http,
                resolver=context.resolver(http),
                now=now,
                accreditation=context.accreditation_lookup(),
            )
        consent = False
        if pending.unsupported is None and pending.plan is not None:
            if not as_json or not yes:
                render.consent_screen(
                    pending.request.client_id.raw,
                    pending.verifier_accreditation,
                    pending.request.signed,
                    pending.plan,
                )
            if yes:
                consent = True
            elif no or not sys.stdin.isatty():
                consent = False
            else:
                consent = typer.confirm(t("prompt.consent"), default=False)
            if consent and pending.reuse and pending.slot is not None and not allow_reuse:
                # every copy was shown elsewhere: reuse links this visit to that verifier's
                render.warn("consent.reuse_warning")
                if not no and not yes and sys.stdin.isatty():
                    allow_reuse = typer.confirm(t("prompt.reuse"), default=False)
        with render.progress("progress.answer"):
            outcome = answer_presentation(
                pending,
                consent=consent,
                state=state,
                http=http,
                now=now,
                authenticate=_authenticate,
                allow_reuse=allow_reuse,
            )
        st.save(outcome.state, secret)
    from wallet_cli import listing

    listing.warn_if_low(outcome.state)
    if outcome.error is not None:
        raise outcome.error
    answer = outcome.answer
    assert answer is not None
    followed = _follow(answer.redirect_uri) if follow and answer.redirect_uri else None
    if as_json:
        render.print_json(
            {
                **outcome.entry.to_dict(),
                "verifier_status": answer.status,
                "redirect_status": followed,
            }
        )
        return
    render.say("present.sent", verifier=outcome.entry.verifier, status=answer.status)
    if answer.body:
        render.say("present.answer", answer=render.json_text(answer.body))
    if answer.redirect_uri:
        render.say("present.redirect", uri=answer.redirect_uri, status=followed or "-")
