"""issuer init's provisioning, as a domain function (the command only parses and renders)."""

from __future__ import annotations

from pathlib import Path

import pytest

from issuer_service.domain.provisioning import provision_issuer
from issuer_service.settings import load_settings
from passport.errors import ConfigurationError


def test_offline_issuer_is_provisioned_once(tmp_path: Path) -> None:
    directory = tmp_path / "issuer"
    asked: list[str] = []

    def passphrase() -> str:
        asked.append("once")
        return "correct horse"

    result = provision_issuer(
        directory,
        name="Bank of Taipei",
        base_url="https://bank.example",
        passphrase=passphrase,
        kdf="insecure-fast",
        offline=True,
    )
    assert result["did"].startswith("did:key:") and result["operations"] == []
    assert asked == ["once"]
    settings = load_settings(directory)
    assert settings.did == result["did"] and settings.name == "Bank of Taipei"
    with pytest.raises(ConfigurationError) as err:
        provision_issuer(
            directory, name="x", base_url="https://x.example", passphrase=passphrase, offline=True
        )
    assert err.value.code == "issuer_already_initialised"
    assert asked == ["once"]  # refused before asking for a passphrase


def test_an_offline_issuer_cannot_rotate_its_key(tmp_path: Path) -> None:
    """A did:key issuer has no chain to publish a new key on: ``chain_not_configured``, and
    its keys and settings are unchanged (the rotation itself runs on anvil in
    tests/e2e/test_story.py)."""
    from issuer_service.domain.provisioning import rotate_signing_key

    directory = tmp_path / "issuer"
    provision_issuer(directory, name="Bank of Taipei", base_url="https://bank.example",
                     passphrase="correct horse", kdf="insecure-fast", offline=True)  # fmt: skip
    sealed = (directory / "keys.json").read_bytes()
    settings = load_settings(directory, passphrase="correct horse")
    with pytest.raises(ConfigurationError) as err:
        rotate_signing_key(settings)
    assert err.value.code == "chain_not_configured"
    assert (directory / "keys.json").read_bytes() == sealed
    assert load_settings(directory) == settings
