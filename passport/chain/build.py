"""Compile the Solidity contracts and read the committed artifacts.

The contracts under ``passport/chain/contracts/`` are compiled by the pinned solc-js
(npm ``solc`` 0.8.28, installed by ``./run setup``) through ``scripts/solc_compile.mjs``:
Standard JSON, optimizer on (200 runs), ``evmVersion`` cancun, no metadata trailer, so
the bytecode is a pure function of the sources and the settings. The resulting ABI and
bytecode are committed under ``passport/chain/artifacts/<Name>.json`` (one file per
contract) so that nothing at run time needs node or solc; a unit test recompiles and
checks that the committed files are byte-identical.

Rebuild after editing a contract::

    python -m passport.chain.build
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import subprocess
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final, TypedDict

from passport.errors import ConfigurationError

__all__ = [
    "CONTRACT_NAMES",
    "Artifact",
    "compile_contracts",
    "load_artifact",
    "render_artifact",
    "write_artifacts",
]

CONTRACT_NAMES: Final = ("DIDRegistry", "StatusRegistry", "TrustRegistry")

_PACKAGE_DIR: Final = Path(__file__).resolve().parent
CONTRACTS_DIR: Final = _PACKAGE_DIR / "contracts"
ARTIFACTS_DIR: Final = _PACKAGE_DIR / "artifacts"
REPO_ROOT: Final = _PACKAGE_DIR.parent.parent
COMPILE_SCRIPT: Final = REPO_ROOT / "scripts" / "solc_compile.mjs"

_SETUP_HINT: Final = "run `./run setup` (or `npm install` in the repository) to install node's solc"


class Artifact(TypedDict):
    """One compiled contract, as stored in ``artifacts/<contractName>.json``."""

    contractName: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployedBytecode: str
    compiler: dict[str, Any]
    sourceSha256: str


def _source_sha256(name: str) -> str:
    return hashlib.sha256((CONTRACTS_DIR / f"{name}.sol").read_bytes()).hexdigest()


def compile_contracts(*, node: str | None = None) -> dict[str, Artifact]:
    """Compile every contract with the pinned solc and return the artifacts by name.

    Raises ``ConfigurationError`` ``solc_unavailable`` when node, the compile script or
    ``node_modules/solc`` is missing (install with ``./run setup``), and
    ``solc_compile_failed`` when the compiler rejects the sources.
    """
    node_bin = node or shutil.which("node")
    if node_bin is None:
        raise ConfigurationError(
            "solc_unavailable",
            f"node is not on PATH; install Node.js 18+ and {_SETUP_HINT}",
        )
    if not COMPILE_SCRIPT.is_file():
        raise ConfigurationError(
            "solc_unavailable",
            f"{COMPILE_SCRIPT} is missing: compiling needs a source checkout of the project",
        )
    if not (REPO_ROOT / "node_modules" / "solc" / "package.json").is_file():
        raise ConfigurationError(
            "solc_unavailable",
            f"node_modules/solc is missing; {_SETUP_HINT}",
            details={"repo": str(REPO_ROOT)},
        )
    try:
        proc = subprocess.run(
            [node_bin, str(COMPILE_SCRIPT), str(CONTRACTS_DIR)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except OSError as exc:
        raise ConfigurationError(
            "solc_unavailable", f"cannot run {node_bin}: {exc}; {_SETUP_HINT}"
        ) from exc
    if proc.returncode != 0:
        raise ConfigurationError(
            "solc_compile_failed",
            "the Solidity compiler failed; fix the contracts and rebuild",
            details={"stderr": proc.stderr[-4000:]},
        )
    output = json.loads(proc.stdout)
    compiler: dict[str, Any] = output["compiler"]
    artifacts: dict[str, Artifact] = {}
    for name in CONTRACT_NAMES:
        compiled = output["contracts"].get(name)
        if compiled is None:
            raise ConfigurationError(
                "solc_compile_failed", f"the compiler produced no contract {name}"
            )
        artifacts[name] = Artifact(
            contractName=name,
            abi=compiled["abi"],
            bytecode=compiled["bytecode"],
            deployedBytecode=compiled["deployedBytecode"],
            compiler=compiler,
            sourceSha256=_source_sha256(name),
        )
    return artifacts


def render_artifact(artifact: Artifact) -> str:
    """The exact text committed for an artifact (stable key order, trailing newline)."""
    return json.dumps(artifact, indent=2, sort_keys=True) + "\n"


def write_artifacts(
    artifacts: dict[str, Artifact] | None = None, directory: Path = ARTIFACTS_DIR
) -> list[Path]:
    """Write ``<directory>/<Name>.json`` for each artifact (compiling first when none given).

    Raises what ``compile_contracts`` raises.
    """
    built = compile_contracts() if artifacts is None else artifacts
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, artifact in sorted(built.items()):
        path = directory / f"{name}.json"
        path.write_text(render_artifact(artifact), encoding="utf-8")
        written.append(path)
    _load_artifact_cached.cache_clear()
    return written


@cache
def _load_artifact_cached(name: str) -> Artifact:
    if name not in CONTRACT_NAMES:
        raise ConfigurationError(
            "artifact_not_found",
            f"no contract artifact named {name!r}; expected one of {', '.join(CONTRACT_NAMES)}",
        )
    resource = resources.files("passport.chain") / "artifacts" / f"{name}.json"
    try:
        text = resource.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigurationError(
            "artifact_not_found",
            f"the artifact {name}.json is missing from the installed package; "
            "rebuild with `python -m passport.chain.build`",
        ) from exc
    artifact: Artifact = json.loads(text)
    return artifact


def load_artifact(name: str) -> Artifact:
    """The committed artifact of contract ``name`` (``DIDRegistry``, ``StatusRegistry``,
    ``TrustRegistry``), read once per process; the caller gets its own copy.

    Raises ``ConfigurationError`` ``artifact_not_found`` for an unknown name or a missing file.
    """
    return copy.deepcopy(_load_artifact_cached(name))


def main() -> None:
    """``python -m passport.chain.build``: recompile and rewrite the committed artifacts."""
    for path in write_artifacts():
        print(f"wrote {path.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
