"""Offline JSON-LD: a document loader over contexts shipped in the package, and term checks.

JSON-LD contexts are never fetched from the network. Every context URL a document may name
is mapped in ``CONTEXTS`` to a verbatim copy in ``passport/credentials/contexts/`` (their
sources are listed in ``SOURCES.md`` there); ``register_context`` adds more at run time.
Each file is read and parsed once and then served from memory, and pyld's own resolved-
context cache is shared by every call, so a context is processed once per process.

VC Data Model 2.0 defines no ``@vocab``: a property or type that no context defines is
silently dropped by expansion and so is left out of an ``eddsa-rdfc-2022`` signature.
``check_terms`` (and ``expand(..., strict=True)``) turn that into an error, as the Data
Integrity "safe mode" requires.

Error codes: ``jsonld_context_unknown``, ``jsonld_undefined_term``, ``jsonld_invalid``
(MalformedError).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Mapping
from importlib import resources
from typing import Any

from pyld import jsonld as _pyld

from passport import jsonsafe
from passport.errors import MalformedError

__all__ = [
    "CONTEXTS",
    "CREDENTIALS_V1",
    "CREDENTIALS_V2",
    "DATA_INTEGRITY_V2",
    "check_terms",
    "document_loader",
    "expand",
    "load_context",
    "register_context",
    "to_rdf_dataset",
]

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"

#: Context URL -> file name in ``passport/credentials/contexts/``.
CONTEXTS: dict[str, str] = {
    CREDENTIALS_V2: "credentials-v2.jsonld",
    CREDENTIALS_V1: "credentials-v1.jsonld",
    "https://www.w3.org/ns/credentials/undefined-terms/v2": "credentials-undefined-terms-v2.jsonld",
    "https://www.w3.org/ns/credentials/examples/v2": "credentials-examples-v2.jsonld",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    DATA_INTEGRITY_V2: "data-integrity-v2.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    "https://w3id.org/security/suites/ed25519-2020/v1": "ed25519-signature-2020-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://w3id.org/citizenship/v4rc1": "citizenship-v4rc1.jsonld",
    "https://w3id.org/financial-passport/v1": "passport-v1.jsonld",
}

_CONTEXTS_PACKAGE = "passport.credentials"  # files in its contexts/ folder
_parsed: dict[str, Any] = {}  # URL -> parsed JSON document
_extra: dict[str, Any] = {}  # URL -> document registered at run time
_lock = threading.Lock()


def register_context(url: str, document: Mapping[str, Any] | str) -> None:
    """Serve ``document`` (a parsed JSON-LD context, or its JSON text) for ``url`` from now on.

    Raises ``jsonld_invalid`` when the text is not JSON or the document has no ``@context``.
    """
    if isinstance(document, str):
        try:
            parsed: Any = jsonsafe.loads(document, code="jsonld_invalid")
        except MalformedError as exc:
            raise MalformedError(
                "jsonld_invalid", f"The context for {url} is not JSON: {exc.message}"
            ) from exc
    else:
        parsed = copy.deepcopy(dict(document))
    if not isinstance(parsed, dict) or "@context" not in parsed:
        raise MalformedError(
            "jsonld_invalid", f"The context for {url} must be a JSON object with '@context'."
        )
    with _lock:
        _extra[url] = parsed
        _parsed.pop(url, None)
    # a context already resolved under this URL must not be served from the caches
    _pyld._resolved_context_cache.clear()
    _processed.clear()


def load_context(url: str) -> Any:
    """The parsed context document for ``url`` (shared: do not mutate it).

    Raises ``jsonld_context_unknown`` for a URL that is neither shipped nor registered.
    """
    doc = _parsed.get(url)
    if doc is not None:
        return doc
    with _lock:
        if url in _extra:
            doc = _extra[url]
        else:
            filename = CONTEXTS.get(url)
            if filename is None:
                raise MalformedError(
                    "jsonld_context_unknown",
                    f"The JSON-LD context {url} is not known to this library and is never "
                    "fetched from the network; ship it in passport/credentials/contexts/ "
                    "or register it with passport.jsonld.register_context().",
                    details={"url": url},
                )
            text = (
                resources.files(_CONTEXTS_PACKAGE).joinpath("contexts", filename).read_text("utf-8")
            )
            doc = json.loads(text)
        _parsed[url] = doc
    return doc


def document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A pyld document loader that serves only shipped or registered contexts.

    Raises ``jsonld_context_unknown`` (pyld wraps it; ``expand`` and friends unwrap it).
    """
    return {
        "contextUrl": None,
        "documentUrl": url,
        # pyld may rewrite nested context URLs in place: hand it a copy
        "document": copy.deepcopy(load_context(url)),
        "contentType": "application/ld+json",
        # "static" lets pyld keep the resolved context in its shared cache
        "tag": "static",
    }


# (active context uuid, id(local context), flags, base, mode) -> (local context, processed)
_processed: dict[tuple[Any, ...], tuple[Any, Any]] = {}
_PROCESSED_MAX = 2048


class _Processor(_pyld.JsonLdProcessor):  # type: ignore[misc]
    """pyld's processor with a memo of processed scoped contexts.

    pyld caches a processed context per (context, active context), but not a type-scoped
    context (``propagate=False``): each use clones the active context and gets a fresh id,
    so the ``VerifiableCredential`` and ``DataIntegrityProof`` scoped contexts were processed
    again for every document, most of the cost of an ``eddsa-rdfc-2022`` verification. The
    memo keys on the active context's id and the identity of the (cached, never mutated)
    local context object, which it keeps alive so the identity cannot be reused. Processed
    active contexts are treated as immutable by pyld itself, which shares them the same way.
    """

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        uid = active_ctx.get("_uuid") if isinstance(active_ctx, dict) else None
        if uid is None or cycles is not None or not isinstance(local_ctx, (dict, list)):
            return super()._process_context(
                active_ctx,
                local_ctx,
                options,
                override_protected,
                propagate,
                validate_scoped,
                cycles,
            )
        key = (
            uid,
            id(local_ctx),
            override_protected,
            propagate,
            validate_scoped,
            options.get("base"),
            options.get("processingMode"),
        )
        hit = _processed.get(key)
        if hit is not None and hit[0] is local_ctx:
            return hit[1]
        result = super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped
        )
        with _lock:
            if len(_processed) >= _PROCESSED_MAX:
                _processed.clear()
            _processed[key] = (local_ctx, result)
        return result


def _options(**extra: Any) -> dict[str, Any]:
    return {
        "documentLoader": document_loader,
        "base": None,
        "processingMode": "json-ld-1.1",
        **extra,
    }


def _passport_cause(exc: BaseException) -> MalformedError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, MalformedError):
            return seen
        details = getattr(seen, "details", None)
        if isinstance(details, dict):
            cause = details.get("cause")
            if isinstance(cause, MalformedError):
                return cause
            if isinstance(cause, BaseException):
                inner = _passport_cause(cause)
                if inner is not None:
                    return inner
        seen = seen.__cause__ or seen.__context__
    return None


def _reraise(exc: Exception) -> MalformedError:
    cause = _passport_cause(exc)
    if cause is not None:
        return cause
    return MalformedError(
        "jsonld_invalid",
        f"The document is not valid JSON-LD: {exc}",
        details={"error": type(exc).__name__},
    )


def _undefined_types(node: Any, found: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _undefined_types(item, found)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "@type" and "@value" not in node:
            for t in value if isinstance(value, list) else [value]:
                if isinstance(t, str) and ":" not in t:
                    found.append(t)
        elif key != "@value":
            _undefined_types(value, found)


def expand(document: Mapping[str, Any], *, strict: bool = True) -> list[Any]:
    """JSON-LD expansion (JSON-LD 1.1 API section 4.1) with the offline loader.

    With ``strict`` (the default) a property or type that no context defines raises
    ``jsonld_undefined_term`` instead of being dropped. Raises ``jsonld_context_unknown``
    and ``jsonld_invalid`` too.
    """
    dropped: list[str] = []

    def on_dropped(prop: Any) -> None:
        dropped.append(str(prop))

    processor = _Processor(on_property_dropped=on_dropped)
    try:
        expanded: list[Any] = processor.expand(dict(document), _options())
    except MalformedError:
        raise
    except Exception as exc:  # pyld raises JsonLdError and, on bad input, plain errors
        raise _reraise(exc) from exc
    if strict:
        types: list[str] = []
        _undefined_types(expanded, types)
        if dropped or types:
            terms = sorted(set(dropped + types))
            raise MalformedError(
                "jsonld_undefined_term",
                f"The document uses terms that no @context defines: {', '.join(terms)}. "
                "Define them in a context (VC 2.0 has no @vocab) or remove them; undefined "
                "terms would not be covered by an RDF-canonicalized signature.",
                details={"terms": terms},
            )
    return expanded


def check_terms(document: Mapping[str, Any]) -> None:
    """Check that every property and type of ``document`` is defined by its contexts.

    Raises ``jsonld_undefined_term``, ``jsonld_context_unknown``, ``jsonld_invalid``.
    """
    expand(document, strict=True)


def to_rdf_dataset(document: Mapping[str, Any], *, strict: bool = True) -> dict[str, Any]:
    """The RDF dataset of ``document`` (JSON-LD 1.1 API section 4.4, Deserialize JSON-LD
    to RDF) as pyld's dataset structure, ready for RDF canonicalization.

    ``strict`` as for ``expand``; the expansion is done once for both the check and the
    conversion. Raises ``jsonld_undefined_term``, ``jsonld_context_unknown``, ``jsonld_invalid``.
    """
    expanded = expand(document, strict=strict)
    processor = _pyld.JsonLdProcessor()
    options = _options(produceGeneralizedRdf=False, rdfDirection=None)
    try:
        issuer = _pyld.IdentifierIssuer("_:b")
        node_map: dict[str, Any] = {"@default": {}}
        processor._create_node_map(expanded, node_map, "@default", issuer)
        dataset: dict[str, Any] = {}
        for graph_name, graph in sorted(node_map.items()):
            if graph_name == "@default" or _pyld._is_absolute_iri(graph_name):
                dataset[graph_name] = processor._graph_to_rdf(graph, issuer, options)
    except Exception as exc:
        raise _reraise(exc) from exc
    return dataset
