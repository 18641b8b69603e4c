"""Moved to ``passport.did.ethr.controller`` (the did:ethr package sits above the chain
clients). This alias keeps ``from passport.chain.ethr_controller import X`` working; it holds
re-exports only (``tests/unit/test_layers.py`` checks that)."""

from passport.chain.client import OpResult
from passport.did.ethr.controller import (
    DEFAULT_VALIDITY,
    EthrDidController,
    MetaSignature,
    attribute_name,
    ethr_did,
)

__all__ = [
    "DEFAULT_VALIDITY",
    "EthrDidController",
    "MetaSignature",
    "OpResult",
    "attribute_name",
    "ethr_did",
]
