"""RDF Dataset Canonicalization (RDFC-1.0, formerly URDNA2015) of JSON-LD documents.

The document is expanded with the offline loader (``passport.jsonld``; undefined terms are
an error, never silently dropped), converted to an RDF dataset, canonicalized with pyld's
URDNA2015 (which is RDFC-1.0 with SHA-256) and serialized as canonical N-Quads.

Error codes: those of ``passport.jsonld`` (``jsonld_context_unknown``,
``jsonld_undefined_term``, ``jsonld_invalid``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyld.canon import URDNA2015

from passport import jsonld
from passport.errors import MalformedError

__all__ = ["canonicalize"]

_OPTIONS = {"algorithm": "URDNA2015", "format": "application/n-quads"}


def canonicalize(document: Mapping[str, Any]) -> bytes:
    """The serialized canonical form (RDF-CANON section 4.4 + N-Quads) of ``document``, UTF-8."""
    dataset = jsonld.to_rdf_dataset(document, strict=True)
    try:
        nquads: str = URDNA2015().main(dataset, dict(_OPTIONS))
    except Exception as exc:  # pyld raises plain errors on pathological input
        raise MalformedError("jsonld_invalid", f"RDF canonicalization failed: {exc}") from exc
    return nquads.encode("utf-8")
