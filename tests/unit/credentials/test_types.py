"""One registry of credential types, and everything derived from it agrees with it."""

from __future__ import annotations

from importlib import resources

from passport.credentials import CREDENTIAL_TYPES, model
from passport.credentials.types import (
    CREDENTIAL_TYPE_REGISTRY,
    issued_types,
    offer_types,
    offline_types,
    sd_jwt_vc_types,
)
from passport.exchange.oid4vci import passport_credential_configurations


def test_every_type_has_its_schema_and_builder() -> None:
    schemas = resources.files("passport.credentials").joinpath("schemas")
    for t in CREDENTIAL_TYPE_REGISTRY.values():
        assert schemas.joinpath(t.schema_file).is_file(), t.schema_file
        if t.builder is not None:
            assert callable(getattr(model, t.builder)), t.builder
    assert tuple(CREDENTIAL_TYPE_REGISTRY) == CREDENTIAL_TYPES


def test_the_offered_configurations_are_the_issued_types() -> None:
    from issuer_service.domain import CONFIGURATIONS

    names = [t.name for t in issued_types()]
    assert names == ["KYCCredential", "BankStatementCredential", "FidoKeyBindingCredential"]
    offline = [o.name for o in offline_types()]
    assert offline == ["OfflineBankStatementCredential", "OfflineKYCCredential"]
    dc = [d.name for d in sd_jwt_vc_types()]
    assert dc == ["KYCCredential-dc", "BankStatementCredential-dc"]
    assert list(passport_credential_configurations()) == names + offline  # no issuer URL: no vct
    configs = passport_credential_configurations(credential_issuer="https://bank.example/")
    assert list(configs) == names + offline + dc and list(CONFIGURATIONS) == names + offline + dc
    for d in sd_jwt_vc_types():
        assert d.source in names
        assert configs[d.name]["format"] == "dc+sd-jwt" == CONFIGURATIONS[d.name].format
        assert configs[d.name]["vct"] == f"https://bank.example/vct/{d.source}"
        assert configs[d.name]["cryptographic_binding_methods_supported"] == ["jwk"]
        assert configs[d.name]["credential_signing_alg_values_supported"] == ["EdDSA"]
        assert "jwt" in configs[d.name]["proof_types_supported"]
        assert CONFIGURATIONS[d.name].credential_type == d.source
        assert CONFIGURATIONS[d.name].validity == CREDENTIAL_TYPE_REGISTRY[d.source].validity
    for o in offline_types():
        assert o.source in names  # carries the claims of a registered type
        assert configs[o.name]["format"] == "dfp-offline-cwt" == CONFIGURATIONS[o.name].format
        assert CONFIGURATIONS[o.name].validity == o.validity
    for t in issued_types():
        assert configs[t.name]["format"] == t.format.oid4vci == CONFIGURATIONS[t.name].format
        assert CONFIGURATIONS[t.name].validity == t.validity
    assert offer_types() == {
        "kyc": "KYCCredential",
        "bank-statement": "BankStatementCredential",
        "fido": "FidoKeyBindingCredential",
        "offline-bank-statement": "OfflineBankStatementCredential",
        "offline-kyc": "OfflineKYCCredential",
        "kyc-dc": "KYCCredential-dc",
        "bank-statement-dc": "BankStatementCredential-dc",
    }
