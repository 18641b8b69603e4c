"""Provisioning a new issuer (``issuer init``): sealed keys, its did:ethr on the chain with the
signing key published (or a did:key offline), the configuration directory and the database.

Moved here from the ``issuer init`` command, which now parses its options, asks for the
passphrase and renders what ``provision_issuer`` returns.

``rotate_signing_key`` (``issuer rotate-key``) rolls the signing key over: a new Ed25519 key
is published as a further assertion method of the issuer's did:ethr and signs from then on;
the old one stays published until its validity ends, so credentials signed before keep
verifying.

Error codes: ``issuer_already_initialised`` (ConfigurationError), ``dev_chain_required``,
``chain_not_configured`` (rotating a did:key issuer), and those of the key store, the
deployment file and the chain.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from issuer_service.settings import IssuerKeys, IssuerSettings

__all__ = ["provision_issuer", "rotate_signing_key"]


def _kdf_params(name: str) -> Any:
    from passport import keystore

    return {
        "moderate": keystore.MODERATE_PARAMS,
        "interactive": keystore.INTERACTIVE_PARAMS,
        "insecure-fast": keystore.FAST_INSECURE_PARAMS,
    }[name]


def _load_or_create_keys(directory: Path, passphrase: str, kdf: str) -> tuple[IssuerKeys, bool]:
    """Keys of an interrupted ``init`` are reused (so a DID already written on chain is not
    orphaned); otherwise new ones are sealed before anything touches the chain."""
    from issuer_service.settings import KEYS_FILE, IssuerKeys, save_keys
    from passport import keystore

    path = directory / KEYS_FILE
    if path.exists():
        return IssuerKeys.from_dict(keystore.load(path, passphrase)), True
    keys = IssuerKeys.generate()
    save_keys(directory, keys, passphrase, params=_kdf_params(kdf))
    return keys, False


def _publish_did(
    keys: IssuerKeys, directory: Path, deployment_file: Path | None, rpc: str | None, base_url: str
) -> dict[str, Any]:
    """did:ethr of the owner key on the chain, with the Ed25519 key published as its
    assertion method and the issuer URL as an ``OID4VCI`` service."""
    from dataclasses import replace

    from passport.chain.client import Chain
    from passport.chain.deployment import DEFAULT_DEPLOYMENT_PATH, Deployment, deploy
    from passport.context import ChainContext
    from passport.did.ethr.controller import EthrDidController
    from passport.securing import find_own_method

    notes: list[str] = []
    if deployment_file is None and rpc is not None:
        chain = Chain.connect(rpc)
        if not chain.accounts:
            from passport.errors import ConfigurationError

            raise ConfigurationError(
                "dev_chain_required",
                f"{rpc} has no dev account to deploy the contracts with; pass the regulator's "
                "deployment file with --deployment instead.",
            )
        deployment = deploy(chain, chain.accounts[0])
        notes.append(f"deployed the contracts on chain {deployment.chain_id} (dev chain)")
    else:
        deployment = Deployment.load(deployment_file or DEFAULT_DEPLOYMENT_PATH)
        if rpc is not None:
            deployment = replace(deployment, rpc_url=rpc)
        chain = deployment.connect()
    deployment.save(directory / "deployment.json")
    context = ChainContext(deployment, chain)  # the one connection, for every client below
    owner = chain.address_of(keys.owner)
    if context.fund_on_dev_chain(owner):
        notes.append(f"funded {owner} for gas (dev chain)")
    controller = EthrDidController(chain, deployment, keys.owner)
    ops = [controller.publish_ed25519_assertion_key(keys.signing.public_key)]
    ops.append(controller.add_service("OID4VCI", base_url))
    method = find_own_method(
        context.ethr_resolver(), controller.did, keys.signing.public_key, "assertionMethod"
    )
    return {
        "did": controller.did,
        "verification_method": method.id,
        "deployment": Path("deployment.json"),
        "owner_address": owner,
        "chain_id": deployment.chain_id,
        "operations": [op.as_dict() for op in ops],
        "notes": notes,
    }


def provision_issuer(
    directory: Path,
    *,
    name: str,
    base_url: str,
    passphrase: str | Callable[[], str],
    kdf: str = "moderate",
    offline: bool = False,
    deployment_file: Path | None = None,
    rpc: str | None = None,
) -> dict[str, Any]:
    """Create the issuer in ``directory`` and return what was done (did, verification method,
    config dir, base URL, database URL, owner address, chain operations, notes).

    ``passphrase`` (or a function asked for it once the directory is known to be free) seals
    the keys. Keys of an interrupted run are reused, so a DID already on chain is kept.
    """
    from issuer_service.deps import build_runtime
    from issuer_service.settings import CONFIG_FILE, IssuerSettings
    from passport.errors import ConfigurationError

    deployment = deployment_file
    if (directory / CONFIG_FILE).exists():
        raise ConfigurationError(
            "issuer_already_initialised",
            f"{directory} already holds an issuer; use another --config directory.",
            details={"path": str(directory)},
        )
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    secret = passphrase() if callable(passphrase) else passphrase
    keys, resumed = _load_or_create_keys(directory, secret, kdf)
    if offline:
        from passport.did.key import did_key_from_public_key

        did = did_key_from_public_key(keys.signing.public_key)
        chain_info: dict[str, Any] = {
            "did": did,
            "verification_method": f"{did}#{did.split(':')[2]}",
            "deployment": None,
            "operations": [],
            "notes": ["offline: did:key issuer, nothing is anchored on chain"],
        }
    else:
        chain_info = _publish_did(keys, directory, deployment, rpc, base_url)
    settings = IssuerSettings(
        config_dir=directory,
        name=name,
        did=chain_info["did"],
        verification_method=chain_info["verification_method"],
        base_url=base_url,
        deployment=directory / chain_info["deployment"] if chain_info["deployment"] else None,
    )
    runtime = build_runtime(settings, keys=keys)
    runtime.close()
    settings.save()
    result = {
        "did": settings.did,
        "verification_method": settings.verification_method,
        "config_dir": str(directory),
        "base_url": settings.base_url,
        "database_url": settings.database_url,
        "owner_address": chain_info.get("owner_address"),
        "operations": chain_info["operations"],
        "notes": (["reused the keys of an interrupted init"] if resumed else [])
        + chain_info["notes"],
    }
    return result


def _sealed_params(path: Path) -> Any:
    """The Argon2id cost ``path`` was sealed with (a rotation keeps it)."""
    import json

    from passport import keystore

    kdf = json.loads(path.read_bytes())["kdf"]
    return keystore.KdfParams(int(kdf["opslimit"]), int(kdf["memlimit"]))


def rotate_signing_key(settings: IssuerSettings, *, valid_for: int | None = None) -> dict[str, Any]:
    """Roll the issuer's signing key over (``settings`` carries the passphrase).

    Order, so that a crash at any point leaves an issuer that still signs verifiably: the new
    key is published on chain first (an unused extra assertion method harms nobody), then the
    key store is resealed with it, then ``issuer.json`` names its verification method. The
    old key is not revoked: credentials it signed keep verifying until it expires on chain
    (revoke it with ``passport did ethr`` once they are reissued). A running ``issuer serve``
    keeps the key it loaded until it is restarted.

    Raises ConfigurationError ``chain_not_configured`` (a did:key issuer cannot rotate), the
    key store's errors (``keystore_locked``, ...) and the chain's (``rpc_unavailable``, ...).
    """
    from dataclasses import replace

    from issuer_service.deps import chain_context
    from issuer_service.settings import open_keys, save_keys
    from passport.did.ethr.controller import DEFAULT_VALIDITY, EthrDidController
    from passport.keys import KeyType, PrivateKey
    from passport.securing import find_own_method

    keys = open_keys(settings)  # the passphrase is right before anything changes
    assert settings.passphrase is not None  # open_keys raises passphrase_missing otherwise
    context = chain_context(settings)
    new = PrivateKey.generate(KeyType.ED25519)
    controller = EthrDidController(context.chain, context.deployment, keys.owner)
    notes = []
    if context.fund_on_dev_chain(context.chain.address_of(keys.owner)):
        notes.append("funded the owner for gas (dev chain)")
    op = controller.publish_ed25519_assertion_key(
        new.public_key, valid_for=valid_for or DEFAULT_VALIDITY
    )
    method = find_own_method(
        context.ethr_resolver(), settings.did, new.public_key, "assertionMethod"
    )
    save_keys(
        settings.config_dir,
        replace(keys, signing=new),
        settings.passphrase,
        params=_sealed_params(settings.keys_path),
    )
    replace(settings, verification_method=method.id).save()
    return {
        "did": settings.did,
        "previous_verification_method": settings.verification_method,
        "verification_method": method.id,
        "operations": [op.as_dict()],
        "notes": notes,
    }
