"""The committed contract artifacts are exactly what the pinned solc makes of the sources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from passport.chain import build
from passport.errors import ConfigurationError

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def compiled() -> dict[str, build.Artifact]:
    if not (REPO / "node_modules" / "solc" / "package.json").is_file():
        pytest.fail(
            "node_modules/solc is missing: run `./run setup` (npm install) so the contracts can "
            "be recompiled; this test must not be skipped"
        )
    return build.compile_contracts()


@pytest.mark.parametrize("name", build.CONTRACT_NAMES)
def test_committed_artifact_is_byte_identical_to_a_fresh_compile(
    compiled: dict[str, build.Artifact], name: str
) -> None:
    committed = (build.ARTIFACTS_DIR / f"{name}.json").read_text(encoding="utf-8")
    fresh = build.render_artifact(compiled[name])
    # ABI and bytecode first, for a readable failure; then the whole file.
    stored: dict[str, Any] = json.loads(committed)
    assert stored["abi"] == compiled[name]["abi"], (
        f"{name} ABI differs: python -m passport.chain.build"
    )
    assert stored["bytecode"] == compiled[name]["bytecode"], f"{name} bytecode differs"
    assert stored["deployedBytecode"] == compiled[name]["deployedBytecode"]
    assert committed == fresh, f"{name}.json is stale: run python -m passport.chain.build"


def test_compiler_is_pinned_and_output_reproducible(compiled: dict[str, build.Artifact]) -> None:
    for artifact in compiled.values():
        compiler = artifact["compiler"]
        assert compiler["version"].startswith("0.8.28+commit.7893614a")
        assert compiler["settings"] == {
            "evmVersion": "cancun",
            "metadata": {"appendCBOR": False, "bytecodeHash": "none"},
            "optimizer": {"enabled": True, "runs": 200},
        }
        assert artifact["bytecode"].startswith("0x60")  # PUSH1: real creation code


def test_sources_pin_the_exact_compiler_version() -> None:
    for name in build.CONTRACT_NAMES:
        source = (build.CONTRACTS_DIR / f"{name}.sol").read_text(encoding="utf-8")
        assert "pragma solidity 0.8.28;" in source


def test_load_artifact_reads_committed_file_and_returns_a_copy() -> None:
    first = build.load_artifact("StatusRegistry")
    assert first["contractName"] == "StatusRegistry"
    first["abi"].clear()
    assert build.load_artifact("StatusRegistry")["abi"], "the cached artifact was mutated"


def test_load_artifact_unknown_name() -> None:
    with pytest.raises(ConfigurationError) as err:
        build.load_artifact("Nope")
    assert err.value.code == "artifact_not_found"


def test_write_artifacts_writes_rendered_files(tmp_path: Path) -> None:
    artifact = build.load_artifact("DIDRegistry")
    (path,) = build.write_artifacts({"DIDRegistry": artifact}, tmp_path)
    assert path.read_text(encoding="utf-8") == build.render_artifact(artifact)


def test_missing_node_is_a_clear_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("passport.chain.build.shutil.which", lambda _name: None)
    with pytest.raises(ConfigurationError) as err:
        build.compile_contracts()
    assert err.value.code == "solc_unavailable"
    assert "./run setup" in err.value.message


def test_missing_solc_package_is_a_clear_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(build, "REPO_ROOT", tmp_path)
    with pytest.raises(ConfigurationError) as err:
        build.compile_contracts()
    assert err.value.code == "solc_unavailable"
    assert "node_modules/solc" in err.value.message


def test_unrunnable_node_is_a_clear_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as err:
        build.compile_contracts(node=str(tmp_path / "no-such-node"))
    assert err.value.code == "solc_unavailable"


def test_compiler_rejection_is_solc_compile_failed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "Broken.sol").write_text("pragma solidity 0.8.28; contract Broken { oops }\n")
    monkeypatch.setattr(build, "CONTRACTS_DIR", tmp_path)
    with pytest.raises(ConfigurationError) as err:
        build.compile_contracts()
    assert err.value.code == "solc_compile_failed"
    assert "Broken.sol" in err.value.details["stderr"]
