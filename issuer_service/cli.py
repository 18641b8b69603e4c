"""The ``issuer`` command: the bank's administration of its credential issuer.

    issuer init --name NAME [--dir DIR] [--deployment FILE | --rpc URL] [--base-url URL]
    issuer serve [--host 127.0.0.1] [--port 8000]
    issuer import FILE                         customers and accounts (.json or .csv)
    issuer offer CUSTOMER --type kyc|bank-statement|fido|offline-bank-statement|offline-kyc|
                                 kyc-dc|bank-statement-dc
                 [--png FILE]
    issuer revoke|suspend|reinstate CREDENTIAL_ID [--reason TEXT]
    issuer status                              counts, status lists, pending chain jobs
    issuer anchor                              one anchoring pass now
    issuer rotate-key                          roll the signing key over (did:ethr)
    issuer audit [--subject S] [--limit N]     the latest audit events

Every command takes ``--config DIR`` (default ``$ISSUER_CONFIG`` or ``.passport/issuer``) and
``--json``. The keys are unsealed with ``$ISSUER_PASSPHRASE`` or a prompt.

Exit codes (as the ``passport`` CLI): 0 success, 1 a failed operation (``issuer anchor``: the
chain could not be reached, jobs stay queued), 2 usage errors, bad input and configuration
errors. Errors are one line on stderr; tracebacks never show.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from clikit.render import fail, print_json, print_text
from passport.credentials.types import offer_types

if TYPE_CHECKING:
    from issuer_service.deps import Runtime
    from issuer_service.domain import StatusAction
    from issuer_service.settings import IssuerSettings

app = typer.Typer(
    name="issuer",
    help="The bank's credential issuer: set-up, the OpenID4VCI service, offers, status.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "--dir",
        help="The issuer's configuration directory (default $ISSUER_CONFIG or .passport/issuer).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]

OFFER_TYPES = offer_types()  # kyc, bank-statement, fido (passport.credentials.types)


# --- wiring ---------------------------------------------------------------------------------


def _passphrase(*, confirm: bool = False) -> str:
    """$ISSUER_PASSPHRASE, else a hidden prompt on a terminal; ``passphrase_missing`` else."""
    from issuer_service.settings import PASSPHRASE_ENV
    from passport.errors import ConfigurationError

    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise ConfigurationError(
            "passphrase_missing",
            f"The issuer's keys are sealed; set ${PASSPHRASE_ENV} (no terminal to ask on).",
        )
    prompt = "Passphrase for the issuer's keys"
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


def _settings(config: Path | None, *, passphrase: bool = True) -> IssuerSettings:
    from issuer_service.settings import config_dir_from_env, load_settings

    settings = load_settings(config_dir_from_env(config))
    return settings.with_passphrase(_passphrase()) if passphrase else settings


def _runtime(config: Path | None) -> Runtime:
    from issuer_service.deps import build_runtime

    return build_runtime(_settings(config))


def _print_kv(rows: list[tuple[str, Any]]) -> None:
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print_text(f"{key.ljust(width)}  {value}")


# --- init -----------------------------------------------------------------------------------


@app.command("init")
def init(
    name: Annotated[str, typer.Option("--name", help="The bank's name, as shown to wallets.")],
    config: ConfigOpt = None,
    deployment: Annotated[
        Path | None,
        typer.Option(
            "--deployment",
            help="The regulator's deployment file (default .passport/deployment.json).",
        ),
    ] = None,
    rpc: Annotated[
        str | None,
        typer.Option(
            "--rpc",
            help="JSON-RPC URL: alone, deploys fresh contracts on this dev chain; with "
            "--deployment, overrides the file's URL.",
        ),
    ] = None,
    base_url: Annotated[
        str, typer.Option("--base-url", help="The service's public URL (its issuer identifier).")
    ] = "http://127.0.0.1:8000",
    offline: Annotated[
        bool, typer.Option("--offline", help="No chain: a did:key issuer, nothing anchored.")
    ] = False,
    kdf: Annotated[
        str,
        typer.Option(
            "--kdf",
            help="Argon2id cost of the key store: moderate, interactive, insecure-fast (tests).",
            hidden=True,
        ),
    ] = "moderate",
    as_json: JsonOpt = False,
) -> None:
    """Create the issuer: keys (sealed), its did:ethr with the signing key published, the
    configuration directory and the database."""
    from issuer_service.domain.provisioning import provision_issuer
    from issuer_service.settings import config_dir_from_env
    from passport.errors import MalformedError

    if kdf not in ("moderate", "interactive", "insecure-fast"):
        raise MalformedError(
            "option_invalid", f"--kdf {kdf!r}: moderate, interactive or insecure-fast."
        )
    if not base_url.startswith(("http://", "https://")):
        raise MalformedError("option_invalid", f"--base-url {base_url!r} must be an http(s) URL.")
    if offline and (deployment or rpc):
        raise MalformedError("option_invalid", "--offline takes no --deployment or --rpc.")
    directory = config_dir_from_env(config)
    result = provision_issuer(
        directory,
        name=name,
        base_url=base_url,
        passphrase=lambda: _passphrase(confirm=True),
        kdf=kdf,
        offline=offline,
        deployment_file=deployment,
        rpc=rpc,
    )
    if as_json:
        print_json(result)
        return
    for note in result["notes"]:
        print_text(note)
    _print_kv(
        [
            ("issuer", f"{name} ({result['did']})"),
            ("signing key", str(result["verification_method"])),
            ("config", str(directory)),
            ("service URL", result["base_url"]),
        ]
    )
    if not offline:
        print_text(
            "next: the regulator accredits this DID (passport registry accredit "
            f"{result['did']} ...), then `issuer serve`"
        )


# --- serve ----------------------------------------------------------------------------------


@app.command("serve")
def serve(
    config: ConfigOpt = None,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
    anchor_interval: Annotated[
        float | None,
        typer.Option(
            "--anchor-interval",
            help="Seconds between anchoring passes (default from issuer.json; 0 disables).",
        ),
    ] = None,
) -> None:
    """Run the OpenID4VCI service (uvicorn) with the background anchor worker."""
    from dataclasses import replace

    import uvicorn

    from issuer_service.app import create_app
    from issuer_service.deps import build_runtime
    from issuer_service.settings import open_keys

    settings = _settings(config)
    if anchor_interval is not None:
        settings = replace(settings, anchor_interval_seconds=anchor_interval)
    keys = open_keys(settings)  # fail here, on the terminal, not inside the server
    app = create_app(settings, runtime_factory=lambda s: build_runtime(s, keys=keys))
    uvicorn.run(app, host=host, port=port, log_level=log_level)


# --- customers and offers -------------------------------------------------------------------


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="Customers and accounts (.json or .csv).")],
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import customers with their accounts and balance histories (all or nothing)."""
    from issuer_service.importer import import_customers, load_customer_file

    records = load_customer_file(file)
    runtime = _runtime(config)
    try:
        summary = import_customers(runtime.db, runtime.ctx, records, source=file.name)
    finally:
        runtime.close()
    if as_json:
        print_json(summary.as_dict())
        return
    print_text(
        f"imported {summary.customers} customers, {summary.accounts} accounts, "
        f"{summary.balances} balances from {file}"
    )


@app.command("offer")
def offer(
    customer: Annotated[str, typer.Argument(help="The customer id.")],
    kind: Annotated[
        str,
        typer.Option(
            "--type",
            help="kyc, bank-statement, fido, offline-bank-statement, offline-kyc, "
            "kyc-dc or bank-statement-dc (IETF SD-JWT VC).",
        ),
    ] = "kyc",
    account: Annotated[
        int | None, typer.Option("--account", help="Account (default: the customer's first).")
    ] = None,
    png: Annotated[
        Path | None,
        typer.Option(
            "--png", help="Where to write the QR code (default: <config>/offers/<id>.png)."
        ),
    ] = None,
    qr: Annotated[bool, typer.Option("--qr/--no-qr", help="Print the QR code.")] = True,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a credential offer: the openid-credential-offer:// URI (and QR code) for the
    wallet, and the tx_code to send the customer separately."""
    from issuer_service.domain import create_offer
    from passport.errors import MalformedError

    if kind not in OFFER_TYPES:
        raise MalformedError("option_invalid", f"--type {kind!r}: one of {', '.join(OFFER_TYPES)}.")
    from issuer_service.offer_files import offer_png_path, sweep, write_png

    runtime = _runtime(config)
    try:
        created = create_offer(
            runtime.db,
            runtime.ctx,
            customer_id=customer,
            configuration_id=OFFER_TYPES[kind],
            account_id=account,
        )
        sweep(runtime.db, runtime.settings.config_dir, runtime.ctx.now())
        png = png or offer_png_path(runtime.settings.config_dir, created.offer_id)
    finally:
        runtime.close()
    write_png(_qr(created.uri).make_image(), png)  # mode 0600: it holds the pre-authorized code
    if as_json:
        data = created.as_dict()
        data["png"] = str(png)
        print_json(data)
        return
    if qr:
        _print_qr(created.uri)
    _print_kv(
        [
            ("offer", created.uri),
            ("tx_code", f"{created.tx_code}   (send it to the customer separately)"),
            ("expires", created.expires_at.isoformat()),
        ]
        + [("png", str(png))]
    )


def _qr(data: str) -> Any:
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(data)
    code.make(fit=True)
    return code


def _print_qr(data: str) -> None:
    _qr(data).print_ascii(out=sys.stdout, tty=sys.stdout.isatty())


# --- status changes -------------------------------------------------------------------------

ReasonOpt = Annotated[str | None, typer.Option("--reason", help="Recorded in the audit log.")]
CredentialArg = Annotated[str, typer.Argument(help="The credential id (urn:uuid:...).")]


def _change(
    action: StatusAction, credential_id: str, reason: str | None, config: Path | None, as_json: bool
) -> None:
    from issuer_service.domain import change_status

    runtime = _runtime(config)
    try:
        change = change_status(
            runtime.db,
            runtime.ctx,
            credential_id,
            action,
            reason=reason,
        )
    finally:
        runtime.close()
    if as_json:
        print_json(change.as_dict())
        return
    print_text(
        f"{action}: {change.credential_id} (status list {change.list_id} version "
        f"{change.version}; its digest is queued for the chain)"
    )


@app.command("revoke")
def revoke(
    credential_id: CredentialArg,
    reason: ReasonOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Revoke a credential for good (its revocation bit is set)."""
    _change("revoke", credential_id, reason, config, as_json)


@app.command("suspend")
def suspend(
    credential_id: CredentialArg,
    reason: ReasonOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Suspend a credential (reversible with reinstate)."""
    _change("suspend", credential_id, reason, config, as_json)


@app.command("reinstate")
def reinstate(
    credential_id: CredentialArg,
    reason: ReasonOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Lift a suspension."""
    _change("reinstate", credential_id, reason, config, as_json)


# --- operations -----------------------------------------------------------------------------


@app.command("status")
def status(config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Customers, offers, credentials, status lists and pending chain jobs (no passphrase)."""
    from issuer_service.db import Database
    from issuer_service.domain import issuer_status

    settings = _settings(config, passphrase=False)
    db = Database.from_url(settings.database_url)
    try:
        report = issuer_status(db)
    finally:
        db.dispose()
    report = {"issuer": settings.name, "did": settings.did, "base_url": settings.base_url, **report}
    if as_json:
        print_json(report)
        return
    creds = report["credentials"]
    offers = ", ".join(f"{k} {v}" for k, v in sorted(report["offers"].items())) or "none"
    _print_kv(
        [
            ("issuer", f"{settings.name} ({settings.did})"),
            ("customers", f"{report['customers']} ({report['accounts']} accounts)"),
            ("offers", offers),
            (
                "credentials",
                f"{creds['issued']} issued, {creds['revoked']} revoked, "
                f"{creds['suspended']} suspended, {creds['unanchored']} not yet in a batch",
            ),
        ]
    )
    for lst in report["status_lists"]:
        print_text(
            f"status list {lst['url']}: version {lst['version']} "
            f"(on chain: {lst['published_version'] or 'not yet'})"
        )
    jobs = report["chain_jobs_pending"]
    print_text(f"pending chain jobs: {len(jobs)}")
    for job in jobs:
        error = f" - last error: {job['last_error']}" if job["last_error"] else ""
        print_text(f"  #{job['id']} {job['kind']} (attempts {job['attempts']}){error}")


@app.command("anchor")
def anchor(config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Run one anchoring pass now: batch new credentials, send every queued chain job.
    Exit 1 when the chain could not be reached (the jobs stay queued)."""
    from issuer_service.app import Anchorer

    runtime = _runtime(config)
    try:
        report = Anchorer(runtime).run_once(retry_now=True)
    finally:
        runtime.close()
    if as_json:
        print_json(report.as_dict())
    else:
        print_text(
            f"batches anchored {report.batches_anchored} ({report.leaves_anchored} credentials), "
            f"status lists published {report.lists_published}, still pending {report.pending}"
        )
        for error in report.errors:
            print_text(f"  {error}")
    if report.deferred:
        fail("chain_unreachable: the chain could not be reached; the jobs stay queued", 1)


@app.command("rotate-key")
def rotate_key(
    valid_days: Annotated[
        int, typer.Option("--valid-days", min=1, help="How long the new key is valid on chain.")
    ] = 365,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Roll the signing key over: publish a new Ed25519 key on the issuer's did:ethr and sign
    with it from now on. The old key stays published, so credentials it signed still verify.
    Restart `issuer serve` to sign with the new key."""
    from issuer_service.domain.provisioning import rotate_signing_key

    result = rotate_signing_key(_settings(config), valid_for=valid_days * 86400)
    if as_json:
        print_json(result)
        return
    for note in result["notes"]:
        print_text(note)
    _print_kv(
        [
            ("issuer", result["did"]),
            ("new key", result["verification_method"]),
            ("old key", f"{result['previous_verification_method']} (still published)"),
        ]
    )
    print_text("next: restart `issuer serve` to sign with the new key")


@app.command("audit")
def audit(
    subject: Annotated[
        str | None, typer.Option("--subject", help="e.g. credential:urn:uuid:...")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The latest audit events, newest first (the log is append-only)."""
    from issuer_service.db import Database
    from issuer_service.domain import audit_events

    settings = _settings(config, passphrase=False)
    db = Database.from_url(settings.database_url)
    try:
        events = audit_events(db, subject=subject, limit=limit)
    finally:
        db.dispose()
    if as_json:
        print_json(events)
        return
    for event in events:
        details = event.get("details") or {}
        # who and what, so that a credential can be found by customer and type
        about = " ".join(
            str(details[k]) for k in ("customer_id", "configuration_id") if details.get(k)
        )
        print_text(
            f"{event['at']}  {event['actor']:<8} {event['action']:<24} {event['subject']}"
            + (f"  {about}" if about else "")
        )


@app.command("version")
def version() -> None:
    """Print the version of the passport software."""
    from importlib.metadata import version as dist_version

    print_text(dist_version("digital-financial-passport"))


def run() -> None:
    """Console-script entry point: library errors become one line on stderr and an exit code
    (2 for bad input and configuration, 1 otherwise); never a traceback."""
    from passport.errors import ConfigurationError, MalformedError, PassportError

    try:
        app()
    except PassportError as err:
        bad_input = isinstance(err, MalformedError | ConfigurationError)
        fail(f"{err.code}: {err.message}", 2 if bad_input else 1)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        fail(f"internal_error: {type(exc).__name__}: {exc}", 1)


if __name__ == "__main__":
    run()
