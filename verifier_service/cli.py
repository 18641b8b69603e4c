"""The ``verifier`` command: the foreign bank's onboarding verifier.

    verifier init --name NAME [--deployment FILE | --rpc URL | --offline] [--base-url URL]
                  [--policy FILE] [--prefix decentralized_identifier|redirect_uri]
    verifier serve [--host 127.0.0.1] [--port 8100] [--workers N]
    verifier request [--png FILE] [--response-mode direct_post|direct_post.jwt]
    verifier sessions [--limit N]          recent sessions and decisions
    verifier show SESSION                  one decision with its full report
    verifier sync [--status-list URL]      refresh cached chain state and status lists
    verifier audit [--limit N]             the hash-chained audit log
    verifier audit verify                  exit 1 when an entry was edited, removed or reordered
    verifier purge [--older-than-days N]   delete sessions past the retention period

Every command takes ``--config DIR`` (default ``$VERIFIER_CONFIG`` or ``.passport/verifier``)
and ``--json``. Keys are unsealed with ``$VERIFIER_PASSPHRASE`` or a prompt (only ``init``,
``serve``, ``request`` and ``sync`` need them). Exit codes: 0 success, 1 a failed check (``audit
verify``; ``sync`` with the chain down), 2 bad input or configuration. Errors are one line on
stderr; tracebacks never show.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from verifier_service.deps import Runtime
    from verifier_service.settings import VerifierKeys, VerifierSettings

app = typer.Typer(
    name="verifier",
    help="The foreign bank's verifier: onboarding page, OpenID4VP requests, decisions, audit.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
audit_app = typer.Typer(help="The hash-chained audit log.", invoke_without_command=True)
app.add_typer(audit_app, name="audit")

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "--dir",
        help="The verifier's configuration directory (default $VERIFIER_CONFIG or "
        ".passport/verifier).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


# --- output ---------------------------------------------------------------------------------


def fail(message: str, code: int = 1) -> NoReturn:
    from rich.console import Console
    from rich.text import Text

    Console(stderr=True, highlight=False, soft_wrap=True).print(
        Text.assemble(("error", "bold red"), ": ", message)
    )
    sys.exit(code)


def out_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _table(title: str | None, columns: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    Console(highlight=False, soft_wrap=True).print(table)


# --- wiring ---------------------------------------------------------------------------------


def _passphrase(*, confirm: bool = False) -> str:
    from passport.errors import ConfigurationError
    from verifier_service.settings import PASSPHRASE_ENV

    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise ConfigurationError(
            "passphrase_missing",
            f"The verifier's keys are sealed; set ${PASSPHRASE_ENV} (no terminal to ask on).",
        )
    return str(
        typer.prompt(
            "Passphrase for the verifier's keys", hide_input=True, confirmation_prompt=confirm
        )
    )


def _settings(config: Path | None, *, passphrase: bool = True) -> VerifierSettings:
    from verifier_service.settings import config_dir_from_env, load_settings

    settings = load_settings(config_dir_from_env(config))
    return settings.with_passphrase(_passphrase()) if passphrase else settings


def _runtime(config: Path | None, *, keys: bool = True) -> Runtime:
    from verifier_service.deps import build_runtime

    return build_runtime(_settings(config, passphrase=keys), read_only=not keys)


# --- init -----------------------------------------------------------------------------------


def _kdf_params(name: str) -> Any:
    from passport import keystore

    return {
        "moderate": keystore.MODERATE_PARAMS,
        "interactive": keystore.INTERACTIVE_PARAMS,
        "insecure-fast": keystore.FAST_INSECURE_PARAMS,
    }[name]


def _publish_did(
    keys: VerifierKeys,
    directory: Path,
    deployment_file: Path | None,
    rpc: str | None,
    base_url: str,
) -> dict[str, Any]:
    """The verifier's did:ethr (its owner key's address) with the Ed25519 request-signing key
    published on the DID registry and the verifier's URL as a service."""
    from dataclasses import replace

    from passport.chain.deployment import DEFAULT_DEPLOYMENT_PATH, Deployment
    from passport.chain.ethr_controller import EthrDidController
    from passport.did.ethr import EthrDidResolver
    from passport.errors import ConfigurationError
    from passport.securing import find_own_method

    deployment = Deployment.load(deployment_file or DEFAULT_DEPLOYMENT_PATH)
    if rpc is not None:
        deployment = replace(deployment, rpc_url=rpc)
    chain = deployment.connect()
    deployment.save(directory / "deployment.json")
    owner = chain.address_of(keys.owner)
    notes: list[str] = []
    if chain.balance(owner) < 10**17:
        try:
            chain.fund(owner, 10**18)
            notes.append(f"funded {owner} for gas (dev chain)")
        except ConfigurationError:
            notes.append(f"{owner} needs gas to publish its DID key; fund it and run init again")
    controller = EthrDidController(chain, deployment, keys.owner)
    ops = [controller.publish_ed25519_assertion_key(keys.signing.public_key)]
    ops.append(controller.add_service("OID4VP", base_url))
    resolver = EthrDidResolver.for_chain(chain, deployment.addresses["DIDRegistry"])
    method = find_own_method(resolver, controller.did, keys.signing.public_key, "assertionMethod")
    return {
        "did": controller.did,
        "verification_method": method.id,
        "deployment": Path("deployment.json"),
        "operations": [op.as_dict() for op in ops],
        "notes": notes,
    }


@app.command("init")
def init(
    name: Annotated[str, typer.Option("--name", help="The institution's name, shown to wallets.")],
    config: ConfigOpt = None,
    deployment: Annotated[
        Path | None,
        typer.Option(
            "--deployment", help="The chain deployment file (default .passport/deployment.json)."
        ),
    ] = None,
    rpc: Annotated[
        str | None, typer.Option("--rpc", help="JSON-RPC URL overriding the deployment's.")
    ] = None,
    base_url: Annotated[
        str, typer.Option("--base-url", help="The service's public URL.")
    ] = "http://127.0.0.1:8100",
    policy: Annotated[
        Path | None,
        typer.Option("--policy", help="A policy TOML (default: the retail example)."),
    ] = None,
    prefix: Annotated[
        str,
        typer.Option(
            "--prefix", help="Client identifier prefix: decentralized_identifier or redirect_uri."
        ),
    ] = "decentralized_identifier",
    response_mode: Annotated[
        str, typer.Option("--response-mode", help="direct_post or direct_post.jwt.")
    ] = "direct_post.jwt",
    webhook_url: Annotated[
        str | None, typer.Option("--webhook-url", help="POST each decision here (signed).")
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="No chain: a did:key verifier, no trust checks.")
    ] = False,
    allow_loopback: Annotated[
        bool,
        typer.Option(
            "--allow-loopback",
            help="Resolve did:web and fetch status lists on 127.0.0.1 over http (local demos).",
        ),
    ] = False,
    kdf: Annotated[str, typer.Option("--kdf", hidden=True)] = "moderate",
    as_json: JsonOpt = False,
) -> None:
    """Create the verifier: sealed keys, its did:ethr with the request-signing key published,
    the policy, the API key, the configuration directory and the database."""
    import secrets
    import shutil

    from passport.errors import ConfigurationError, MalformedError
    from passport.verifier.policy import load_policy
    from verifier_service.deps import build_runtime
    from verifier_service.settings import (
        CONFIG_FILE,
        VerifierKeys,
        VerifierSettings,
        api_key_hash,
        config_dir_from_env,
        save_keys,
    )

    if kdf not in ("moderate", "interactive", "insecure-fast"):
        raise MalformedError(
            "option_invalid", f"--kdf {kdf!r}: moderate, interactive or insecure-fast."
        )
    if not base_url.startswith(("http://", "https://")):
        raise MalformedError("option_invalid", f"--base-url {base_url!r} must be an http(s) URL.")
    if prefix not in ("decentralized_identifier", "redirect_uri"):
        raise MalformedError(
            "option_invalid", "--prefix: decentralized_identifier or redirect_uri."
        )
    if response_mode not in ("direct_post", "direct_post.jwt"):
        raise MalformedError("option_invalid", "--response-mode: direct_post or direct_post.jwt.")
    if offline and (deployment or rpc):
        raise MalformedError("option_invalid", "--offline takes no --deployment or --rpc.")
    source = policy or Path(__file__).resolve().parent / "policies" / "retail.toml"
    load_policy(source)  # refuse a bad policy before anything is created
    directory = config_dir_from_env(config)
    if (directory / CONFIG_FILE).exists():
        raise ConfigurationError(
            "verifier_already_initialised",
            f"{directory} already holds a verifier; use another --config directory.",
            details={"path": str(directory)},
        )
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    passphrase = _passphrase(confirm=True)
    keys_path = directory / "keys.json"
    if keys_path.exists():
        from passport import keystore

        keys = VerifierKeys.from_dict(keystore.load(keys_path, passphrase))
    else:
        keys = VerifierKeys.generate()
        save_keys(directory, keys, passphrase, params=_kdf_params(kdf))
    if offline:
        from passport.did.key import did_key_from_public_key

        did = did_key_from_public_key(keys.signing.public_key)
        chain_info: dict[str, Any] = {
            "did": did,
            "verification_method": f"{did}#{did.split(':')[2]}",
            "deployment": None,
            "operations": [],
            "notes": ["offline: did:key verifier; accreditation and anchored status not checked"],
        }
    else:
        chain_info = _publish_did(keys, directory, deployment, rpc, base_url)
    shutil.copyfile(source, directory / "policy.toml")
    api_key = secrets.token_urlsafe(32)
    settings = VerifierSettings(
        config_dir=directory,
        name=name,
        base_url=base_url,
        did=chain_info["did"],
        verification_method=chain_info["verification_method"],
        deployment=directory / chain_info["deployment"] if chain_info["deployment"] else None,
        client_id_prefix=prefix,
        response_mode=response_mode,
        api_key_sha256=api_key_hash(api_key),
        webhook_url=webhook_url,
        allow_loopback=allow_loopback,
    )
    build_runtime(settings, keys=keys).close()
    settings.save()
    result = {
        "did": settings.did,
        "verification_method": settings.verification_method,
        "config_dir": str(directory),
        "base_url": settings.base_url,
        "policy": str(settings.policy),
        "api_key": api_key,
        "webhook_secret": _b64(keys.webhook_secret) if webhook_url else None,
        "operations": chain_info["operations"],
        "notes": chain_info["notes"],
    }
    if as_json:
        out_json(result)
        return
    for note in result["notes"]:
        out(note)
    out(f"verifier     {name} ({settings.did})")
    out(f"signing key  {settings.verification_method}")
    out(f"config       {directory}")
    out(f"service URL  {settings.base_url}")
    out(f"API key      {api_key}   (shown once; only its hash is kept)")
    out("next: `verifier serve`, then open the service URL")


def _b64(data: bytes) -> str:
    from passport.keys import b64url_encode

    return b64url_encode(data)


# --- serve ----------------------------------------------------------------------------------


@app.command("serve")
def serve(
    config: ConfigOpt = None,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8100,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64)] = 1,
    log_level: Annotated[str, typer.Option("--log-level")] = "info",
) -> None:
    """Run the onboarding page and the OpenID4VP endpoints (uvicorn; several workers share
    the database)."""
    import uvicorn

    from verifier_service.app import create_app
    from verifier_service.deps import build_runtime
    from verifier_service.settings import CONFIG_ENV, PASSPHRASE_ENV, config_dir_from_env, open_keys

    settings = _settings(config)
    keys = open_keys(settings)  # fail here, on the terminal, not inside a worker
    if workers > 1:
        os.environ[CONFIG_ENV] = str(config_dir_from_env(config).resolve())
        os.environ[PASSPHRASE_ENV] = settings.passphrase or ""
        uvicorn.run(
            "verifier_service.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
        )
        return
    application = create_app(settings, runtime_factory=lambda s: build_runtime(s, keys=keys))
    uvicorn.run(application, host=host, port=port, log_level=log_level)


# --- requests and sessions ------------------------------------------------------------------


def _qr(data: str) -> Any:
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(data)
    code.make(fit=True)
    return code


@app.command("request")
def request(
    config: ConfigOpt = None,
    png: Annotated[
        Path | None,
        typer.Option(
            "--png", help="Where to write the QR code (default <config>/requests/<id>.png)."
        ),
    ] = None,
    response_mode: Annotated[
        str | None, typer.Option("--response-mode", help="direct_post or direct_post.jwt.")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="en or zh-TW (the page's language).")] = "en",
    qr: Annotated[bool, typer.Option("--qr/--no-qr", help="Print the QR code.")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Create an onboarding request: the openid4vp:// URI, a terminal QR code and a PNG."""
    from passport.errors import MalformedError
    from verifier_service.domain import create_session

    if response_mode not in (None, "direct_post", "direct_post.jwt"):
        raise MalformedError("option_invalid", "--response-mode: direct_post or direct_post.jwt.")
    if lang not in ("en", "zh-TW"):
        raise MalformedError("option_invalid", "--lang: en or zh-TW.")
    runtime = _runtime(config)
    try:
        created = create_session(runtime, channel="cli", lang=lang, response_mode=response_mode)
        png = png or runtime.settings.config_dir / "requests" / f"{created.session_id}.png"
    finally:
        runtime.close()
    png.parent.mkdir(parents=True, exist_ok=True)
    try:
        _qr(created.link).make_image().save(str(png))
    except OSError as exc:
        raise MalformedError("file_unwritable", f"{png}: cannot write it ({exc}).") from None
    if as_json:
        data = created.as_dict()
        data["png"] = str(png)
        out_json(data)
        return
    if qr:
        _qr(created.link).print_ascii(out=sys.stdout, tty=sys.stdout.isatty())
    out(f"session  {created.session_id}")
    out(f"uri      {created.link}")
    out(f"page     {created.page_url}")
    out(f"expires  {created.expires_at.isoformat()}")
    out(f"png      {png}")


@app.command("sessions")
def sessions(
    config: ConfigOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Recent sessions and their decisions, newest first (no passphrase needed)."""
    from verifier_service.domain import list_sessions

    runtime = _runtime(config, keys=False)
    try:
        rows = list_sessions(runtime, limit=limit)
    finally:
        runtime.close()
    if as_json:
        out_json(rows)
        return
    _table(
        None,
        ["session", "created", "status", "codes", "policy", "via"],
        [
            [
                r["session_id"],
                r["created_at"][:19],
                r["status"],
                ", ".join(r["codes"]),
                r["policy"],
                r["channel"],
            ]
            for r in rows
        ],
    )


@app.command("show")
def show(
    session_id: Annotated[str, typer.Argument(help="The session id.")],
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One session: its decision, the retained claims and every check of the report."""
    from verifier_service.domain import get_session, session_view

    runtime = _runtime(config, keys=False)
    try:
        view = session_view(runtime, get_session(runtime, session_id), full=True)
    finally:
        runtime.close()
    if as_json:
        out_json(view)
        return
    out(f"session  {view['session_id']}  ({view['policy']}, via {view['channel']})")
    out(f"status   {view['status'].upper()}  {' '.join(view['codes'])}")
    if view["wallet_error"]:
        out(f"wallet   {view['wallet_error']}")
    for query, claims in (view["claims"] or {}).items():
        for path, value in claims.items():
            out(f"claim    {query}: {path} = {json.dumps(value, ensure_ascii=False)}")
    report = view["report"] or {}
    rows = [
        [c["check"], c["outcome"], c.get("code", ""), c.get("message", "")]
        for c in report.get("checks", [])
    ]
    _table("response", ["check", "outcome", "code", "message"], rows)
    for sub in report.get("credentials", []):
        query = sub.get("subject", {}).get("query", "?")
        rows = [
            [c["check"], c["outcome"], c.get("code", ""), c.get("message", "")]
            for c in sub.get("checks", [])
        ]
        for nested in sub.get("credentials", []):
            rows += [
                ["  " + c["check"], c["outcome"], c.get("code", ""), c.get("message", "")]
                for c in nested.get("checks", [])
            ]
        _table(f"{query} ({sub.get('format')})", ["check", "outcome", "code", "message"], rows)


# --- operations -----------------------------------------------------------------------------


@app.command("sync")
def sync(
    config: ConfigOpt = None,
    status_list: Annotated[
        list[str] | None,
        typer.Option("--status-list", help="Fetch and check this status list URL."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Refresh cached chain state (trust registry answers, DID documents) and status lists."""
    from verifier_service.domain import sync as do_sync

    runtime = _runtime(config, keys=False)
    try:
        result = do_sync(runtime, status_list or ())
    finally:
        runtime.close()
    if as_json:
        out_json(result)
        return
    chain = result["chain"]
    out(
        "chain    "
        + (f"{chain['chain_id']} at block {chain['block']}" if chain else "none (offline)")
    )
    out(f"lists    {len(result['status_lists'])} fetched and checked against the chain")


@audit_app.callback()
def audit(
    ctx: typer.Context,
    config: ConfigOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
    as_json: JsonOpt = False,
) -> None:
    """The latest audit entries, newest first (append-only, hash-chained)."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"config": config, "json": as_json}
        return
    from verifier_service.domain import audit_entries

    runtime = _runtime(config, keys=False)
    try:
        entries = audit_entries(runtime, limit=limit)
    finally:
        runtime.close()
    if as_json:
        out_json(entries)
        return
    for e in entries:
        out(
            f"{e['seq']:>6}  {e['at'][:19]}  {e['actor']:<9} {e['action']:<18} "
            f"{e['subject']}  {e['hash'][:12]}"
        )


@audit_app.command("verify")
def audit_verify(ctx: typer.Context, config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Check the whole chain; exit 1 when an entry was edited, removed or reordered."""
    from verifier_service.domain import verify_audit

    parent = ctx.obj or {}
    runtime = _runtime(config or parent.get("config"), keys=False)
    try:
        result = verify_audit(runtime)
    finally:
        runtime.close()
    if as_json or parent.get("json"):
        out_json(result.as_dict())
    else:
        out(f"entries  {result.entries}")
        out(f"head     {result.head_hash}")
        for p in result.problems:
            out(f"  #{p.seq} {p.code}: {p.message}")
        out("intact" if result.ok else "TAMPERED")
    if not result.ok:
        codes = sorted({p.code for p in result.problems})
        fail(f"{codes[0]}: the audit log does not verify ({', '.join(codes)})", 1)


@app.command("purge")
def purge(
    config: ConfigOpt = None,
    older_than_days: Annotated[
        int | None, typer.Option("--older-than-days", min=0, help="Default: retention_days.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete the sessions (claims, reports) older than the retention period."""
    from verifier_service.domain import purge as do_purge

    runtime = _runtime(config, keys=False)
    try:
        result = do_purge(runtime, older_than_days=older_than_days)
    finally:
        runtime.close()
    if as_json:
        out_json(result)
        return
    out(f"deleted {result['deleted']} sessions created before {result['before']}")


@app.command("version")
def version() -> None:
    """Print the version of the passport software."""
    from importlib.metadata import version as dist_version

    out(dist_version("digital-financial-passport"))


def run() -> None:
    """Console-script entry point: errors become one line on stderr and an exit code."""
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
