"""The issuer's settings (issuer.json), sealed keys, and the HTTP error mapping."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from issuer_service import settings as settings_module
from issuer_service.errors import ProtocolError, problem_status
from issuer_service.settings import (
    IssuerKeys,
    IssuerSettings,
    get_settings,
    load_settings,
    open_keys,
    save_keys,
)
from passport import keystore
from passport.errors import (
    ConfigurationError,
    CouldNotCheckError,
    MalformedError,
    PassportError,
    VerdictError,
)

BASE: dict[str, Any] = {
    "name": "Bank of Formosa",
    "did": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    "base_url": "https://bank.example/",
}


def _write(directory: Path, data: Any) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else json.dumps(data)
    (directory / "issuer.json").write_text(text)
    return directory


def test_defaults_and_round_trip(tmp_path: Path) -> None:
    loaded = load_settings(_write(tmp_path, {**BASE, "deployment": "deployment.json"}))
    assert loaded.base_url == "https://bank.example"
    assert loaded.database_url == f"sqlite:///{(tmp_path / 'issuer.db').resolve()}"
    assert loaded.deployment == tmp_path / "deployment.json"
    assert loaded.rates["TWD"] == Decimal("32.5") and loaded.rates["USD"] == 1
    loaded.save()
    again = load_settings(tmp_path)
    assert again == loaded
    assert json.loads((tmp_path / "issuer.json").read_text())["deployment"] == "deployment.json"


def test_passphrase_never_shows(tmp_path: Path) -> None:
    loaded = load_settings(_write(tmp_path, BASE), passphrase="hunter2")
    assert "hunter2" not in repr(loaded) and "hunter2" not in json.dumps(loaded.to_dict())
    keys = IssuerKeys.generate()
    assert keys.signing.to_jwk()["d"] not in repr(keys)


def test_not_initialised(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as err:
        load_settings(tmp_path / "none")
    assert err.value.code == "issuer_not_initialised"


@pytest.mark.parametrize(
    "data",
    [
        "{not json",
        [1, 2],
        {"did": BASE["did"], "base_url": BASE["base_url"]},
        {**BASE, "tx_code_length": "6"},
        {**BASE, "tx_code_max_attempts": 0},
        {**BASE, "anchor_interval_seconds": True},
        {**BASE, "colour": "blue"},
        {**BASE, "rates": {"TWD": "-1"}},
        {**BASE, "rates": {"twd1": "30"}},
        {**BASE, "rates": []},
    ],
)
def test_malformed_configuration(tmp_path: Path, data: Any) -> None:
    with pytest.raises(ConfigurationError) as err:
        load_settings(_write(tmp_path, data))
    assert err.value.code == "issuer_config_malformed"


def test_get_settings_reads_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ISSUER_CONFIG", str(_write(tmp_path, BASE)))
    monkeypatch.setenv("ISSUER_PASSPHRASE", "from env")
    get_settings.cache_clear()
    try:
        found = get_settings()
        assert found.name == "Bank of Formosa" and found.passphrase == "from env"
        assert get_settings() is found
    finally:
        get_settings.cache_clear()


def test_keys_sealed_and_opened(tmp_path: Path) -> None:
    keys = IssuerKeys.generate()
    save_keys(tmp_path, keys, "pass", params=keystore.FAST_INSECURE_PARAMS)
    base = IssuerSettings(config_dir=tmp_path, **BASE)
    opened = open_keys(base.with_passphrase("pass"))
    assert opened.signing.to_jwk() == keys.signing.to_jwk() and opened.data_key == keys.data_key
    with pytest.raises(ConfigurationError) as err:
        open_keys(base.with_passphrase("wrong"))
    assert err.value.code == "keystore_locked"
    with pytest.raises(ConfigurationError) as err:
        open_keys(base)
    assert err.value.code == "passphrase_missing"


def test_keys_of_the_wrong_shape(tmp_path: Path) -> None:
    keystore.save(tmp_path / settings_module.KEYS_FILE, {"owner": {}}, "p",
                  params=keystore.FAST_INSECURE_PARAMS)  # fmt: skip
    with pytest.raises(MalformedError) as err:
        open_keys(IssuerSettings(config_dir=tmp_path, passphrase="p", **BASE))
    assert err.value.code == "keystore_malformed"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (VerdictError("customer_not_found", "x"), 404),
        (VerdictError("credential_already_revoked", "x"), 409),
        (VerdictError("signature_invalid", "x"), 400),
        (MalformedError("import_invalid", "x"), 400),
        (CouldNotCheckError("database_unavailable", "x"), 503),
        (ConfigurationError("issuer_context_invalid", "x"), 500),
        (PassportError(None, "x"), 400),
        # a could-not-check is never a 404, whatever its name says
        (CouldNotCheckError("did_not_found", "x"), 503),
        (VerdictError("credential_already_suspended", "x"), 409),
        (ProtocolError("invalid_request", "x"), 400),
        (ProtocolError("invalid_token", "x", 401), 401),
    ],
)
def test_problem_status(error: PassportError, status: int) -> None:
    assert problem_status(error) == status


def test_every_protocol_error_is_in_the_one_tree() -> None:
    from passport.errors import ProtocolError as CoreProtocolError
    from passport.exchange.oid4vci import Oid4vciError

    assert issubclass(ProtocolError, CoreProtocolError)
    assert issubclass(Oid4vciError, CoreProtocolError)
    assert issubclass(CoreProtocolError, PassportError)
    assert ProtocolError("invalid_request", "x").code == "request_malformed"


def test_other_http_errors_are_http_error_problems() -> None:
    from fastapi import FastAPI, HTTPException
    from issuer_harness import test_client

    from issuer_service.errors import install_error_handlers

    app = FastAPI()
    install_error_handlers(app)

    @app.get("/teapot")
    def teapot() -> None:
        raise HTTPException(418, "short and stout")

    response = test_client(app).get("/teapot")
    assert response.status_code == 418
    assert response.json()["code"] == "http_error"
