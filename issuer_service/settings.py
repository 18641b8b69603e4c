"""The issuer's configuration: one directory, read at the edge, never at import time.

A configuration directory (``issuer init`` writes it; default ``.passport/issuer``, or
``$ISSUER_CONFIG``) holds::

    issuer.json       the settings below (no secrets)
    keys.json         the owner (secp256k1) and signing (Ed25519) keys, sealed with
                      passport.keystore under a passphrase ($ISSUER_PASSPHRASE or a prompt)
    issuer.db         the SQLite database, unless ``database_url`` points elsewhere
    deployment.json   the chain deployment, when ``issuer init --rpc URL`` deployed one

``issuer.json``::

    {
      "name": "Bank of Formosa",
      "did": "did:ethr:0x7a69:0x...",
      "verification_method": "did:ethr:0x7a69:0x...#delegate-1",
      "base_url": "http://127.0.0.1:8000",
      "database_url": "sqlite:///<dir>/issuer.db",        (optional; this is the default)
      "deployment": "deployment.json",                   (relative to the directory)
      "rpc_url": null,                                   (overrides the deployment's)
      "rates": {"TWD": "32.5", "USD": "1"},              (units of currency per US dollar)
      "offer_ttl_seconds": 900, "tx_code_length": 6, "tx_code_max_attempts": 5,
      "access_token_ttl_seconds": 300, "nonce_ttl_seconds": 300,
      "statement_months": 6,
      "batch_size": 10,                                  (most copies a credential request gets)
      "anchor_interval_seconds": 10,
      "max_body_bytes": 65536, "max_json_depth": 32,    (every request's limits)
      "did_web_allow_loopback": false                    (did:web on 127.0.0.1: tests, demos)
    }

Error codes (ConfigurationError): ``issuer_not_initialised`` (no issuer.json: run
``issuer init``), ``issuer_config_malformed`` (not JSON, or a field missing or of the wrong
type), ``passphrase_missing`` (no $ISSUER_PASSPHRASE where no prompt is possible).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from passport import jsonsafe
from passport.errors import ConfigurationError, MalformedError
from passport.keys import PrivateKey

__all__ = [
    "CONFIG_ENV",
    "CONFIG_FILE",
    "DEFAULT_CONFIG_DIR",
    "DEFAULT_RATES",
    "KEYS_FILE",
    "PASSPHRASE_ENV",
    "IssuerKeys",
    "IssuerSettings",
    "config_dir_from_env",
    "get_settings",
    "load_settings",
    "open_keys",
    "save_keys",
]

CONFIG_FILE = "issuer.json"
KEYS_FILE = "keys.json"
CONFIG_ENV = "ISSUER_CONFIG"
PASSPHRASE_ENV = "ISSUER_PASSPHRASE"
DEFAULT_CONFIG_DIR = Path(".passport") / "issuer"
DEFAULT_RATES: Mapping[str, Decimal] = MappingProxyType(
    {"USD": Decimal("1"), "TWD": Decimal("32.5"), "EUR": Decimal("0.92"), "JPY": Decimal("150")}
)
"""Units of each currency per US dollar: the sample a new issuer starts with (edit issuer.json)."""

_INIT_HINT = "create it with `issuer init --name NAME`"


def _malformed(path: Path, problem: str) -> ConfigurationError:
    return ConfigurationError(
        "issuer_config_malformed",
        f"The issuer configuration {path} is not valid: {problem}. Fix it, or {_INIT_HINT}.",
        details={"path": str(path), "problem": problem},
    )


@dataclass(frozen=True)
class IssuerSettings:
    """Everything the service and the CLI need to know, except the keys themselves.

    ``passphrase`` unlocks ``keys.json``; it never appears in ``repr`` or ``to_dict``.
    ``anchor_interval_seconds`` <= 0 disables the background anchor worker.
    """

    config_dir: Path
    name: str
    did: str
    base_url: str
    verification_method: str | None = None
    database_url: str = ""
    deployment: Path | None = None
    rpc_url: str | None = None
    rates: Mapping[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_RATES))
    offer_ttl_seconds: int = 900
    tx_code_length: int = 6
    tx_code_max_attempts: int = 5
    access_token_ttl_seconds: int = 300
    nonce_ttl_seconds: int = 300
    statement_months: int = 6
    batch_size: int = 10
    anchor_interval_seconds: float = 10.0
    max_body_bytes: int = 64 * 1024
    max_json_depth: int = 32
    did_web_allow_loopback: bool = False
    passphrase: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(
                self, "database_url", f"sqlite:///{(self.config_dir / 'issuer.db').resolve()}"
            )
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))

    @property
    def keys_path(self) -> Path:
        return self.config_dir / KEYS_FILE

    @property
    def config_path(self) -> Path:
        return self.config_dir / CONFIG_FILE

    def with_passphrase(self, passphrase: str | None) -> IssuerSettings:
        return replace(self, passphrase=passphrase)

    def to_dict(self) -> dict[str, Any]:
        """The issuer.json form (paths relative to the directory where they are inside it)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in ("config_dir", "passphrase"):
                continue
            value = getattr(self, f.name)
            if isinstance(value, Path):
                try:
                    value = str(value.relative_to(self.config_dir))
                except ValueError:
                    value = str(value)
            elif f.name == "rates":
                value = {k: str(v) for k, v in value.items()}
            out[f.name] = value
        return out

    def save(self) -> Path:
        """Write issuer.json atomically (a crash leaves the old file or the new one)."""
        from passport.files import write_atomic

        return write_atomic(
            self.config_path, json.dumps(self.to_dict(), indent=2) + "\n", mode=0o644
        )


def _rates(value: Any, path: Path) -> dict[str, Decimal]:
    from passport.bank import parse_rates

    if not isinstance(value, Mapping) or not value:
        raise _malformed(path, "rates must be an object of currency code -> units per USD")
    try:
        return parse_rates(value)
    except ConfigurationError as exc:
        raise _malformed(path, exc.message) from None


_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "did": (str,),
    "base_url": (str,),
    "verification_method": (str, type(None)),
    "database_url": (str,),
    "deployment": (str, type(None)),
    "rpc_url": (str, type(None)),
    "offer_ttl_seconds": (int,),
    "tx_code_length": (int,),
    "tx_code_max_attempts": (int,),
    "access_token_ttl_seconds": (int,),
    "nonce_ttl_seconds": (int,),
    "statement_months": (int,),
    "batch_size": (int,),
    "anchor_interval_seconds": (int, float),
    "max_body_bytes": (int,),
    "max_json_depth": (int,),
    "did_web_allow_loopback": (bool,),
}
_REQUIRED = ("name", "did", "base_url")


def load_settings(config_dir: Path | str, *, passphrase: str | None = None) -> IssuerSettings:
    """Read ``<config_dir>/issuer.json``.

    Raises ConfigurationError ``issuer_not_initialised``, ``issuer_config_malformed``.
    """
    directory = Path(config_dir)
    path = directory / CONFIG_FILE
    try:
        data = jsonsafe.loads(path.read_bytes(), code="issuer_config_malformed")
    except FileNotFoundError:
        raise ConfigurationError(
            "issuer_not_initialised",
            f"There is no issuer configuration in {directory}; {_INIT_HINT} "
            f"(or pass --config DIR / set ${CONFIG_ENV}).",
            details={"path": str(path)},
        ) from None
    except IsADirectoryError:
        raise _malformed(path, "it is a directory, not a file") from None
    except OSError as exc:
        raise _malformed(path, f"cannot read it ({exc.strerror})") from None
    except MalformedError as exc:
        raise _malformed(path, f"cannot read it as JSON ({exc.message})") from None
    if not isinstance(data, dict):
        raise _malformed(path, "the top level must be an object")
    for name in _REQUIRED:
        if not isinstance(data.get(name), str) or not data[name]:
            raise _malformed(path, f"{name} is missing")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        if name == "rates":
            kwargs["rates"] = _rates(value, path)
            continue
        if name not in _TYPES:
            raise _malformed(path, f"unknown field {name!r}")
        wrong_bool = isinstance(value, bool) and bool not in _TYPES[name]
        if not isinstance(value, _TYPES[name]) or wrong_bool:
            raise _malformed(path, f"{name} has the wrong type")
        kwargs[name] = value
    for name in (
        "tx_code_length",
        "tx_code_max_attempts",
        "offer_ttl_seconds",
        "max_body_bytes",
        "max_json_depth",
        "batch_size",
    ):
        if name in kwargs and kwargs[name] < 1:
            raise _malformed(path, f"{name} must be at least 1")
    if kwargs.get("deployment"):
        kwargs["deployment"] = directory / kwargs["deployment"]
    if kwargs.get("database_url", "").startswith("sqlite:///./"):
        # a relative SQLite path in issuer.json is relative to the directory, not the cwd
        kwargs["database_url"] = f"sqlite:///{directory / kwargs['database_url'][12:]}"
    return IssuerSettings(config_dir=directory, passphrase=passphrase, **kwargs)


def config_dir_from_env(explicit: Path | None = None) -> Path:
    """``explicit``, else ``$ISSUER_CONFIG``, else ``.passport/issuer``."""
    if explicit is not None:
        return explicit
    env = os.environ.get(CONFIG_ENV)
    return Path(env) if env else DEFAULT_CONFIG_DIR


@lru_cache(maxsize=1)
def get_settings() -> IssuerSettings:
    """The process's settings from the environment: the FastAPI dependency tests override.

    Reads ``$ISSUER_CONFIG`` (directory) and ``$ISSUER_PASSPHRASE``; cached.
    """
    return load_settings(config_dir_from_env(), passphrase=os.environ.get(PASSPHRASE_ENV))


@dataclass(frozen=True)
class IssuerKeys:
    """The issuer's secrets: ``owner`` (secp256k1, owns the did:ethr and pays for chain
    writes), ``signing`` (Ed25519, the DID's assertion key: signs every credential) and
    ``data_key`` (32 random bytes keying the HMAC of account numbers)."""

    owner: PrivateKey = field(repr=False)
    signing: PrivateKey = field(repr=False)
    data_key: bytes = field(repr=False)

    @classmethod
    def generate(cls) -> IssuerKeys:
        import secrets

        from passport.keys import KeyType

        return cls(
            owner=PrivateKey.generate(KeyType.SECP256K1),
            signing=PrivateKey.generate(KeyType.ED25519),
            data_key=secrets.token_bytes(32),
        )

    def to_dict(self) -> dict[str, Any]:
        from passport.keys import b64url_encode

        return {
            "owner": self.owner.to_jwk(),
            "signing": self.signing.to_jwk(),
            "data_key": b64url_encode(self.data_key),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IssuerKeys:
        from passport.keys import b64url_decode

        try:
            return cls(
                owner=PrivateKey.from_jwk(data["owner"]),
                signing=PrivateKey.from_jwk(data["signing"]),
                data_key=b64url_decode(data["data_key"]),
            )
        except (KeyError, TypeError, ValueError, MalformedError):
            raise MalformedError(
                "keystore_malformed",
                "The key store does not hold the issuer's keys; restore it from a backup.",
            ) from None


def save_keys(settings_dir: Path, keys: IssuerKeys, passphrase: str, *, params: Any = None) -> Path:
    """Seal ``keys`` into ``<dir>/keys.json`` (mode 0600, atomic). ``params``: KdfParams."""
    from passport import keystore

    kwargs = {"params": params} if params is not None else {}
    return keystore.save(settings_dir / KEYS_FILE, keys.to_dict(), passphrase, **kwargs)


def open_keys(settings: IssuerSettings) -> IssuerKeys:
    """Unseal ``keys.json`` with ``settings.passphrase``.

    Raises ConfigurationError ``passphrase_missing``, ``keystore_not_found``,
    ``keystore_locked``; MalformedError ``keystore_malformed``.
    """
    from passport import keystore

    if not settings.passphrase:
        raise ConfigurationError(
            "passphrase_missing",
            f"The issuer's keys are sealed; set ${PASSPHRASE_ENV} or run the command in a "
            "terminal to be asked for the passphrase.",
        )
    return IssuerKeys.from_dict(keystore.load(settings.keys_path, settings.passphrase))
