"""``passport vc``: issue, present and verify verifiable credentials in every format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from passport_cli.render import out_console, print_json, print_text

app = typer.Typer(help="Issue, present and verify verifiable credentials.", no_args_is_help=True)

FORMATS = ("sd-jwt", "di-rdfc", "di-jcs", "ldp-v1")
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _load_secured(path: Path) -> str | dict[str, Any]:
    from passport_cli.io import read_text

    text = read_text(path).strip()
    if text.startswith("{"):
        from passport_cli.io import read_json

        data = read_json(path)
        return data if isinstance(data, dict) else text
    return text


def _emit(secured: str | dict[str, Any], as_json: bool, fmt: str) -> None:
    if isinstance(secured, str):
        if as_json:
            print_json({"format": fmt, "credential": secured})
        else:
            print_text(secured)
    else:
        print_json(secured)


@app.command("issue")
def issue(
    credential: Annotated[Path, typer.Argument(help="The unsigned credential (VC 2.0 JSON).")],
    key: Annotated[Path, typer.Option("--key", help="The issuer's private JWK file.")],
    fmt: Annotated[str, typer.Option("--format", help="sd-jwt | di-rdfc | di-jcs | ldp-v1")],
    issuer: Annotated[
        str | None, typer.Option("--issuer", help="Issuer DID (default: the key's did:key).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Secure CREDENTIAL and print it (SD-JWT as compact text, the others as JSON)."""
    from passport import securing
    from passport_cli.io import read_json, read_private_key
    from passport_cli.wiring import build_resolver, now

    if fmt not in FORMATS:
        raise typer.BadParameter(f"must be one of {', '.join(FORMATS)}", param_hint="--format")
    secured = securing.issue(
        read_json(credential),
        read_private_key(key),
        securing.IssueFormat(fmt),
        issuer=issuer,
        resolver=build_resolver(),
        now=now(),
    )
    _emit(secured, as_json, fmt)


@app.command("present")
def present(
    credential: Annotated[Path, typer.Argument(help="A secured credential (from `vc issue`).")],
    holder_key: Annotated[
        Path, typer.Option("--holder-key", help="The holder's private JWK file.")
    ],
    nonce: Annotated[str, typer.Option("--nonce", help="The verifier's nonce (challenge).")],
    aud: Annotated[str, typer.Option("--aud", help="The verifier (audience / domain).")],
    disclose: Annotated[
        str | None,
        typer.Option(
            "--disclose",
            help="SD-JWT: comma-separated claims to reveal (default: all). "
            "Data Integrity credentials are always presented whole.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Build a presentation of CREDENTIAL bound to NONCE and AUD, signed by the holder."""
    from passport import securing
    from passport_cli.io import read_private_key
    from passport_cli.wiring import build_resolver, now

    names = [n.strip() for n in disclose.split(",") if n.strip()] if disclose is not None else None
    presentation = securing.present(
        _load_secured(credential),
        read_private_key(holder_key),
        nonce=nonce,
        audience=aud,
        disclose=names,
        resolver=build_resolver(),
        now=now(),
    )
    _emit(presentation, as_json, "presentation")


@app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(help="A credential or presentation, in any format.")],
    nonce: Annotated[
        str | None, typer.Option("--nonce", help="Expected nonce (challenge).")
    ] = None,
    aud: Annotated[str | None, typer.Option("--aud", help="Expected audience (domain).")] = None,
    status_list: Annotated[
        list[Path] | None,
        typer.Option(
            "--status-list", help="A status list credential file to use offline (repeatable)."
        ),
    ] = None,
    require_accreditation: Annotated[
        bool,
        typer.Option(
            "--require-accreditation",
            help="Also require the issuer's accreditation for the credential's types in the "
            "on-chain trust registry (needs the deployment file).",
        ),
    ] = False,
    deployment: Annotated[
        Path | None,
        typer.Option("--deployment", help="Deployment file (default .passport/deployment.json)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Verify FILE and print the report. Exit 0 when verified, 1 when not."""
    from passport import jsonsafe
    from passport.verify import VerifyOptions
    from passport.verify import verify as run_verify
    from passport_cli.io import read_json, read_text
    from passport_cli.render import render_report
    from passport_cli.wiring import (
        accreditation_checks,
        build_resolver,
        build_status_fetcher,
        now,
    )

    local = [_status_list_file(read_json(p), p) for p in status_list or []]
    text = read_text(file)
    jsonsafe.check_depth(text, what=str(file))  # refused as bad input (exit 2), never parsed
    at = now()
    options = VerifyOptions(
        resolver=build_resolver(deployment),
        now=at,
        nonce=nonce,
        audience=aud,
        status_fetcher=build_status_fetcher(local),
        credential_checks=accreditation_checks(deployment, at) if require_accreditation else (),
    )
    report = run_verify(text, options)
    if as_json:
        print_json(report.to_dict())
    else:
        render_report(report, out_console)
    raise typer.Exit(0 if report.verified else 1)


def _status_list_file(data: Any, path: Path) -> dict[str, Any]:
    """A ``--status-list`` file's content: a status list credential is a JSON object."""
    from passport.errors import MalformedError

    if not isinstance(data, dict):
        raise MalformedError(
            "status_list_malformed",
            f"{path} does not hold a status list credential (a JSON object); pass the list file.",
        )
    return data
