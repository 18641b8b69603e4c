"""What every wallet command shares: the global options, the passphrase, the store, the
production wiring (HTTP client, resolver, status fetcher, chain), and error reporting.

This is the one place that reads the environment: ``$WALLET_HOME``, ``$WALLET_PASSPHRASE``,
``$WALLET_DEPLOYMENT``, ``$WALLET_KDF`` and the locale.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from wallet_cli.i18n import t

if TYPE_CHECKING:
    import httpx

    from passport.keystore import KdfParams
    from passport.ports import Resolver, StatusFetcher
    from passport.wallet.model import WalletState
    from passport.wallet.store import WalletStore

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "dfp-wallet"


@dataclass
class Options:
    """The global options, resolved once in the callback."""

    wallet: Path
    passphrase_file: Path | None
    lang: str
    deployment: Path | None
    kdf: str

    @classmethod
    def resolve(
        cls,
        wallet: Path | None,
        passphrase_file: Path | None,
        lang: str,
        deployment: Path | None,
    ) -> Options:
        home = wallet or (
            Path(os.environ["WALLET_HOME"]) if os.environ.get("WALLET_HOME") else None
        )
        dep = deployment
        if dep is None and os.environ.get("WALLET_DEPLOYMENT"):
            dep = Path(os.environ["WALLET_DEPLOYMENT"])
        return cls(
            wallet=home or default_home(),
            passphrase_file=passphrase_file,
            lang=lang,
            deployment=dep,
            kdf=os.environ.get("WALLET_KDF", "moderate"),
        )


_OPTIONS: list[Options] = []


def set_options(options: Options) -> None:
    _OPTIONS[:] = [options]


def options() -> Options:
    if not _OPTIONS:  # a command run without the callback (should not happen)
        _OPTIONS.append(Options.resolve(None, None, "en", None))
    return _OPTIONS[0]


def kdf_params(name: str) -> KdfParams:
    from passport import keystore
    from passport.errors import MalformedError

    table = {
        "moderate": keystore.MODERATE_PARAMS,
        "interactive": keystore.INTERACTIVE_PARAMS,
        "insecure-test-only": keystore.FAST_INSECURE_PARAMS,
    }
    if name not in table:
        raise MalformedError("option_invalid", t("error.kdf", value=name, choices=", ".join(table)))
    return table[name]


def store(kdf: str | None = None) -> WalletStore:
    from passport.wallet.store import WalletStore

    return WalletStore(options().wallet, kdf_params(kdf or options().kdf))


def passphrase(*, confirm: bool = False, prompt_key: str = "prompt.passphrase") -> str:
    """$WALLET_PASSPHRASE, else --passphrase-file, else a hidden prompt."""
    from passport.errors import ConfigurationError

    env = os.environ.get("WALLET_PASSPHRASE")
    if env:
        return env
    path = options().passphrase_file
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise ConfigurationError(
                "passphrase_file_unreadable", t("error.passphrase_file", path=path, reason=exc)
            ) from None
        if not text:
            raise ConfigurationError("keystore_passphrase_empty", t("error.passphrase_empty"))
        return text
    if not sys.stdin.isatty():
        raise ConfigurationError("passphrase_missing", t("error.passphrase_missing"))
    import typer

    value: str = typer.prompt(t(prompt_key), hide_input=True, confirmation_prompt=confirm)
    return value


@contextmanager
def open_wallet() -> Iterator[tuple[WalletStore, WalletState, str]]:
    """Lock the store and open it: (store, state, passphrase). Saving is the caller's job."""
    st = store()
    with st.locked():
        secret = passphrase()
        yield st, st.load(secret), secret


def read_only_state() -> WalletState:
    with open_wallet() as (_, state, _secret):
        return state


def allow_http(url: str) -> bool:
    """Plain http only for loopback hosts (a bank or verifier on this machine, tests)."""
    return urlsplit(url).hostname in LOOPBACK


def http_client() -> httpx.Client:
    import httpx

    return httpx.Client(timeout=20.0, follow_redirects=False)


def resolver(http: httpx.Client | None = None) -> Resolver:
    """did:key, did:jwk, did:web (http only for loopback hosts), plus did:ethr when a
    deployment is configured (--deployment, $WALLET_DEPLOYMENT, .passport/deployment.json)."""
    from passport.did import default_resolver

    path = deployment_path()
    extra: dict[str, Any] = {}
    if path is not None:
        from passport.chain.deployment import Deployment
        from passport.did.ethr import EthrDidResolver

        deployment = Deployment.load(path)
        extra["ethr"] = EthrDidResolver.for_chain(
            deployment.connect(), deployment.addresses["DIDRegistry"]
        )
    return default_resolver(
        http_client=http, insecure_http_hosts=frozenset(LOOPBACK), extra_methods=extra
    )


def deployment_path() -> Path | None:
    path = options().deployment
    if path is not None:
        return path
    default = Path(".passport/deployment.json")
    return default if default.exists() else None


def status_fetcher(http: httpx.Client) -> StatusFetcher:
    from passport.status.fetch import LocalFirstFetcher

    return LocalFirstFetcher(client=http)


def token_status(http: httpx.Client) -> Any:
    """IETF Token Status List tokens by URI (for SD-JWT VCs)."""
    from passport.errors import CouldNotCheckError

    def fetch(uri: str) -> str:
        import httpx

        try:
            response = http.get(uri, headers={"Accept": "application/statuslist+jwt"})
        except httpx.HTTPError as exc:
            raise CouldNotCheckError(
                "status_list_unavailable", t("error.status_unreachable", url=uri, reason=exc)
            ) from None
        if response.status_code != 200:
            raise CouldNotCheckError(
                "status_list_unavailable",
                t("error.status_unreachable", url=uri, reason=response.status_code),
            )
        return response.text.strip()

    return fetch


def accreditation_lookup() -> Any:
    """did -> standing in the trust registry, when a deployment is configured."""
    path = deployment_path()
    if path is None:
        return None
    from passport.chain.deployment import Deployment
    from passport.chain.registries import TrustRegistryClient
    from passport.wallet.trust import describe_standing

    deployment = Deployment.load(path)
    client = TrustRegistryClient(deployment.connect(), deployment)

    def lookup(did: str) -> str | None:
        if not did.startswith("did:ethr:"):
            return None
        return describe_standing(client.history(did))

    return lookup


def clock() -> Any:
    from passport.ports import SystemClock

    return SystemClock()
