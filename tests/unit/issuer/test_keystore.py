"""The encrypted key store: Argon2id + XSalsa20-Poly1305 envelope, atomic files, every code."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import nacl.pwhash
import nacl.secret
import pytest

from passport import keystore
from passport.errors import ConfigurationError, MalformedError
from passport.keys import b64url_decode, b64url_encode

FAST = keystore.FAST_INSECURE_PARAMS
SECRET = {"assertion_key": {"kty": "OKP", "crv": "Ed25519", "d": "c2VjcmV0LWtleS1ieXRlcw"}}


def test_seal_and_unseal_round_trip() -> None:
    blob = keystore.seal(SECRET, "correct horse", params=FAST)
    envelope = json.loads(blob)
    assert envelope["v"] == 1 and envelope["cipher"] == "xsalsa20-poly1305"
    assert envelope["kdf"]["alg"] == "argon2id13"
    assert envelope["kdf"]["opslimit"] == FAST.opslimit
    assert b"c2VjcmV0" not in blob and b"assertion_key" not in blob  # nothing in clear
    assert keystore.unseal(blob, "correct horse") == SECRET
    assert keystore.unseal(blob, b"correct horse") == SECRET
    # fresh salt and nonce every time
    again = json.loads(keystore.seal(SECRET, "correct horse", params=FAST))
    assert again["nonce"] != envelope["nonce"]
    assert again["kdf"]["salt"] != envelope["kdf"]["salt"]


def test_default_parameters_are_libsodium_moderate() -> None:
    assert keystore.MODERATE_PARAMS.opslimit == nacl.pwhash.argon2id.OPSLIMIT_MODERATE
    assert keystore.MODERATE_PARAMS.memlimit == nacl.pwhash.argon2id.MEMLIMIT_MODERATE


def test_wrong_passphrase_is_keystore_locked() -> None:
    blob = keystore.seal(SECRET, "correct horse", params=FAST)
    with pytest.raises(ConfigurationError) as err:
        keystore.unseal(blob, "battery staple")
    assert err.value.code == "keystore_locked"
    assert "correct horse" not in str(err.value)


def test_altered_ciphertext_is_keystore_locked() -> None:
    envelope = json.loads(keystore.seal(SECRET, "pw", params=FAST))
    raw = bytearray(b64url_decode(envelope["ciphertext"]))
    raw[-1] ^= 1
    envelope["ciphertext"] = b64url_encode(bytes(raw))
    with pytest.raises(ConfigurationError) as err:
        keystore.unseal(json.dumps(envelope), "pw")
    assert err.value.code == "keystore_locked"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: "not json at all",
        lambda e: json.dumps([1, 2]),
        lambda e: json.dumps({**e, "v": 2}),
        lambda e: json.dumps({**e, "cipher": "aes-gcm"}),
        lambda e: json.dumps({**e, "kdf": {**e["kdf"], "alg": "scrypt"}}),
        lambda e: json.dumps({**e, "kdf": {**e["kdf"], "memlimit": 1 << 40}}),
        lambda e: json.dumps({**e, "kdf": {**e["kdf"], "opslimit": True}}),
        lambda e: json.dumps({**e, "kdf": {**e["kdf"], "salt": "AAAA"}}),
        lambda e: json.dumps({**e, "nonce": "!!"}),
        lambda e: json.dumps({k: v for k, v in e.items() if k != "ciphertext"}),
    ],
)
def test_malformed_envelopes(mutate: object) -> None:
    envelope = json.loads(keystore.seal(SECRET, "pw", params=FAST))
    with pytest.raises(MalformedError) as err:
        keystore.unseal(mutate(envelope), "pw")  # type: ignore[operator]
    assert err.value.code == "keystore_malformed"


def test_sealed_document_must_be_a_json_object() -> None:
    # An envelope whose plaintext decrypts fine but is a JSON array.
    salt = os.urandom(nacl.pwhash.argon2id.SALTBYTES)
    nonce = os.urandom(nacl.secret.SecretBox.NONCE_SIZE)
    key = nacl.pwhash.argon2id.kdf(32, b"pw", salt, opslimit=FAST.opslimit, memlimit=FAST.memlimit)
    ciphertext = nacl.secret.SecretBox(key).encrypt(b"[1,2,3]", nonce).ciphertext
    envelope = json.loads(keystore.seal({}, "pw", params=FAST))
    envelope["kdf"]["salt"] = b64url_encode(salt)
    envelope["nonce"] = b64url_encode(nonce)
    envelope["ciphertext"] = b64url_encode(ciphertext)
    with pytest.raises(MalformedError) as err:
        keystore.unseal(json.dumps(envelope), "pw")
    assert err.value.code == "keystore_malformed"


def test_empty_passphrase_is_refused() -> None:
    with pytest.raises(ConfigurationError) as err:
        keystore.seal(SECRET, "", params=FAST)
    assert err.value.code == "keystore_passphrase_empty"


def test_kdf_params_out_of_bounds() -> None:
    with pytest.raises(ConfigurationError) as err:
        keystore.KdfParams(opslimit=0, memlimit=FAST.memlimit)
    assert err.value.code == "keystore_params_invalid"
    with pytest.raises(ConfigurationError):
        keystore.KdfParams(opslimit=3, memlimit=keystore.MAX_MEMLIMIT + 1)


def test_save_and_load_file(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "keys.json"
    keystore.save(path, SECRET, "pw", params=FAST)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keystore.load(path, "pw") == SECRET
    keystore.save(path, {"rotated": True}, "pw2", params=FAST)  # replaced atomically
    assert keystore.load(path, "pw2") == {"rotated": True}
    assert sorted(p.name for p in path.parent.iterdir()) == ["keys.json"]  # no temp left


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as err:
        keystore.load(tmp_path / "absent.json", "pw")
    assert err.value.code == "keystore_not_found"


def test_write_atomic_leaves_old_content_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "file.bin"
    keystore.write_atomic(path, b"old")

    class Boom(Exception):
        pass

    def failing_replace(src: str, dst: object) -> None:
        raise Boom

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(Boom):
        keystore.write_atomic(path, b"new")
    monkeypatch.undo()
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]
