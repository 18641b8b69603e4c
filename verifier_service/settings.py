"""The verifier's configuration: one directory, read at the edge, never at import time.

A configuration directory (``verifier init`` writes it; default ``.passport/verifier``, or
``$VERIFIER_CONFIG``) holds::

    verifier.json     the settings below (no secrets; the API key only as its SHA-256)
    keys.json         the owner (secp256k1, owns the did:ethr) and signing (Ed25519, signs
                      request objects) keys and the webhook secret, sealed with
                      passport.keystore under a passphrase ($VERIFIER_PASSPHRASE or a prompt)
    policy.toml       the onboarding policy (docs/policy.md)
    verifier.db       the SQLite database, unless ``database_url`` points elsewhere
    deployment.json   the chain deployment

``verifier.json``::

    {
      "name": "Banque du Léman",
      "did": "did:ethr:0x7a69:0x...",
      "verification_method": "did:ethr:0x7a69:0x...#delegate-1",
      "base_url": "http://127.0.0.1:8100",
      "database_url": "sqlite:///<dir>/verifier.db",        (optional; this is the default)
      "deployment": "deployment.json", "rpc_url": null,
      "policy": "policy.toml",
      "client_id_prefix": "decentralized_identifier",       (or "redirect_uri": unsigned)
      "response_mode": "direct_post.jwt",                   (or "direct_post")
      "request_ttl_seconds": 300, "retention_days": 30, "keep_raw_presentation": false,
      "max_body_bytes": 262144, "api_key_sha256": "...", "webhook_url": null,
      "status_cache_seconds": 60, "chain_cache_seconds": 300, "default_lang": "en",
      "allow_loopback": false      (did:web and status lists on 127.0.0.1 over http: demos)
    }

Error codes (ConfigurationError): ``verifier_not_initialised``, ``verifier_config_malformed``,
``passphrase_missing``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from passport.errors import ConfigurationError, MalformedError
from passport.keys import PrivateKey

__all__ = [
    "CONFIG_ENV",
    "CONFIG_FILE",
    "DEFAULT_CONFIG_DIR",
    "KEYS_FILE",
    "PASSPHRASE_ENV",
    "VerifierKeys",
    "VerifierSettings",
    "api_key_hash",
    "config_dir_from_env",
    "get_settings",
    "load_settings",
    "open_keys",
    "save_keys",
]

CONFIG_FILE = "verifier.json"
KEYS_FILE = "keys.json"
CONFIG_ENV = "VERIFIER_CONFIG"
PASSPHRASE_ENV = "VERIFIER_PASSPHRASE"
DEFAULT_CONFIG_DIR = Path(".passport") / "verifier"
_INIT_HINT = "create it with `verifier init --name NAME`"


def api_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _malformed(path: Path, problem: str) -> ConfigurationError:
    return ConfigurationError(
        "verifier_config_malformed",
        f"The verifier configuration {path} is not valid: {problem}. Fix it, or {_INIT_HINT}.",
        details={"path": str(path), "problem": problem},
    )


@dataclass(frozen=True)
class VerifierSettings:
    """Everything the service and the CLI need, except the keys. ``passphrase`` unlocks
    ``keys.json`` and never appears in ``repr`` or ``to_dict``."""

    config_dir: Path
    name: str
    base_url: str
    did: str | None = None
    verification_method: str | None = None
    database_url: str = ""
    deployment: Path | None = None
    rpc_url: str | None = None
    policy: Path | None = None
    client_id_prefix: str = "decentralized_identifier"
    response_mode: str = "direct_post.jwt"
    request_ttl_seconds: int = 300
    retention_days: int = 30
    keep_raw_presentation: bool = False
    max_body_bytes: int = 262_144
    api_key_sha256: str = ""
    webhook_url: str | None = None
    status_cache_seconds: float = 60.0
    chain_cache_seconds: float = 300.0
    default_lang: str = "en"
    allow_loopback: bool = False
    passphrase: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(
                self, "database_url", f"sqlite:///{(self.config_dir / 'verifier.db').resolve()}"
            )
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        if self.policy is None:
            object.__setattr__(self, "policy", self.config_dir / "policy.toml")

    @property
    def keys_path(self) -> Path:
        return self.config_dir / KEYS_FILE

    @property
    def config_path(self) -> Path:
        return self.config_dir / CONFIG_FILE

    def with_passphrase(self, passphrase: str | None) -> VerifierSettings:
        return replace(self, passphrase=passphrase)

    def to_dict(self) -> dict[str, Any]:
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
            out[f.name] = value
        return out

    def save(self) -> Path:
        """Write verifier.json atomically."""
        self.config_dir.mkdir(parents=True, exist_ok=True)
        path = self.config_path
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        return path


_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "did": (str, type(None)),
    "base_url": (str,),
    "verification_method": (str, type(None)),
    "database_url": (str,),
    "deployment": (str, type(None)),
    "rpc_url": (str, type(None)),
    "policy": (str, type(None)),
    "client_id_prefix": (str,),
    "response_mode": (str,),
    "request_ttl_seconds": (int,),
    "retention_days": (int,),
    "keep_raw_presentation": (bool,),
    "max_body_bytes": (int,),
    "api_key_sha256": (str,),
    "webhook_url": (str, type(None)),
    "status_cache_seconds": (int, float),
    "chain_cache_seconds": (int, float),
    "default_lang": (str,),
    "allow_loopback": (bool,),
}


def load_settings(config_dir: Path | str, *, passphrase: str | None = None) -> VerifierSettings:
    """Read ``<config_dir>/verifier.json``.

    Raises ConfigurationError ``verifier_not_initialised``, ``verifier_config_malformed``.
    """
    directory = Path(config_dir)
    path = directory / CONFIG_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(
            "verifier_not_initialised",
            f"There is no verifier configuration in {directory}; {_INIT_HINT} "
            f"(or pass --config DIR / set ${CONFIG_ENV}).",
            details={"path": str(path)},
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _malformed(path, f"cannot read it as JSON ({exc})") from None
    if not isinstance(data, dict):
        raise _malformed(path, "the top level must be an object")
    for name in ("name", "base_url"):
        if not isinstance(data.get(name), str) or not data[name]:
            raise _malformed(path, f"{name} is missing")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        if name not in _TYPES:
            raise _malformed(path, f"unknown field {name!r}")
        if not isinstance(value, _TYPES[name]) or (
            isinstance(value, bool) and bool not in _TYPES[name]
        ):
            raise _malformed(path, f"{name} has the wrong type")
        kwargs[name] = value
    for name in ("request_ttl_seconds", "max_body_bytes"):
        if name in kwargs and kwargs[name] < 1:
            raise _malformed(path, f"{name} must be at least 1")
    if kwargs.get("client_id_prefix", "decentralized_identifier") not in (
        "decentralized_identifier",
        "redirect_uri",
    ):
        raise _malformed(path, "client_id_prefix must be decentralized_identifier or redirect_uri")
    if kwargs.get("response_mode", "direct_post.jwt") not in ("direct_post", "direct_post.jwt"):
        raise _malformed(path, "response_mode must be direct_post or direct_post.jwt")
    for name in ("deployment", "policy"):
        if kwargs.get(name):
            kwargs[name] = directory / kwargs[name]
    if kwargs.get("database_url", "").startswith("sqlite:///./"):
        kwargs["database_url"] = f"sqlite:///{directory / kwargs['database_url'][12:]}"
    return VerifierSettings(config_dir=directory, passphrase=passphrase, **kwargs)


def config_dir_from_env(explicit: Path | None = None) -> Path:
    """``explicit``, else ``$VERIFIER_CONFIG``, else ``.passport/verifier``."""
    if explicit is not None:
        return explicit
    env = os.environ.get(CONFIG_ENV)
    return Path(env) if env else DEFAULT_CONFIG_DIR


@lru_cache(maxsize=1)
def get_settings() -> VerifierSettings:
    """The process's settings from ``$VERIFIER_CONFIG`` and ``$VERIFIER_PASSPHRASE`` (cached;
    what ``uvicorn --factory verifier_service.app:create_app`` workers read)."""
    return load_settings(config_dir_from_env(), passphrase=os.environ.get(PASSPHRASE_ENV))


@dataclass(frozen=True)
class VerifierKeys:
    """The verifier's secrets: ``owner`` (secp256k1, owns its did:ethr), ``signing`` (Ed25519,
    signs request objects) and ``webhook_secret`` (HMAC key of the decision webhooks)."""

    owner: PrivateKey = field(repr=False)
    signing: PrivateKey = field(repr=False)
    webhook_secret: bytes = field(repr=False)

    @classmethod
    def generate(cls) -> VerifierKeys:
        import secrets

        from passport.keys import KeyType

        return cls(
            owner=PrivateKey.generate(KeyType.SECP256K1),
            signing=PrivateKey.generate(KeyType.ED25519),
            webhook_secret=secrets.token_bytes(32),
        )

    def to_dict(self) -> dict[str, Any]:
        from passport.keys import b64url_encode

        return {
            "owner": self.owner.to_jwk(),
            "signing": self.signing.to_jwk(),
            "webhook_secret": b64url_encode(self.webhook_secret),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VerifierKeys:
        from passport.keys import b64url_decode

        try:
            return cls(
                owner=PrivateKey.from_jwk(data["owner"]),
                signing=PrivateKey.from_jwk(data["signing"]),
                webhook_secret=b64url_decode(data["webhook_secret"]),
            )
        except (KeyError, TypeError, ValueError, MalformedError):
            raise MalformedError(
                "keystore_malformed",
                "The key store does not hold the verifier's keys; restore it from a backup.",
            ) from None


def save_keys(directory: Path, keys: VerifierKeys, passphrase: str, *, params: Any = None) -> Path:
    from passport import keystore

    kwargs = {"params": params} if params is not None else {}
    return keystore.save(directory / KEYS_FILE, keys.to_dict(), passphrase, **kwargs)


def open_keys(settings: VerifierSettings) -> VerifierKeys:
    """Unseal ``keys.json``. Raises ``passphrase_missing``, ``keystore_not_found``,
    ``keystore_locked``, ``keystore_malformed``."""
    from passport import keystore

    if not settings.passphrase:
        raise ConfigurationError(
            "passphrase_missing",
            f"The verifier's keys are sealed; set ${PASSPHRASE_ENV} or run the command in a "
            "terminal to be asked for the passphrase.",
        )
    return VerifierKeys.from_dict(keystore.load(settings.keys_path, settings.passphrase))
