"""The encrypted wallet store: one directory per holder.

Layout of the directory (mode 0700; files 0600)::

    wallet.sealed       the wallet document sealed by ``passport.keystore`` (Argon2id +
                        XSalsa20-Poly1305)
    wallet.sealed.bak   the last good copy: the previous version, kept at every write
    wallet.lock         an exclusive ``flock`` held for the whole run of one command

A write seals the new document, copies the current good file to ``.bak`` (atomically) and
replaces ``wallet.sealed`` atomically (temporary file, fsync, ``os.replace``, fsync of the
directory), so a process killed mid-write leaves the previous committed state readable.

Error codes: ``wallet_not_found``, ``wallet_exists``, ``wallet_busy``,
``wallet_passphrase_wrong`` (ConfigurationError); ``wallet_damaged`` (MalformedError: the
file is unreadable and the last good copy is named in the message), ``backup_invalid``
(MalformedError).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from passport import keystore
from passport.errors import ConfigurationError, MalformedError, PassportError
from passport.wallet.model import WalletState

__all__ = [
    "BACKUP_KIND",
    "WalletStore",
    "export_backup",
    "read_backup",
]

STORE_FILE: Final = "wallet.sealed"
BAK_FILE: Final = "wallet.sealed.bak"
LOCK_FILE: Final = "wallet.lock"
BACKUP_KIND: Final = "dfp-wallet-backup"


def _wrong_passphrase() -> ConfigurationError:
    return ConfigurationError(
        "wallet_passphrase_wrong",
        "The wallet cannot be opened with this passphrase; give the passphrase it was "
        "created with ($WALLET_PASSPHRASE, --passphrase-file or the prompt).",
    )


@dataclass(frozen=True)
class WalletStore:
    """The wallet in ``directory``, sealed with the KDF cost ``params`` on creation."""

    directory: Path
    params: keystore.KdfParams = keystore.MODERATE_PARAMS

    @property
    def path(self) -> Path:
        return self.directory / STORE_FILE

    @property
    def backup_path(self) -> Path:
        return self.directory / BAK_FILE

    def exists(self) -> bool:
        return self.path.exists()

    @contextmanager
    def locked(self, timeout: float = 10.0) -> Iterator[None]:
        """Hold the wallet's exclusive lock (waits up to ``timeout`` seconds).

        Raises ConfigurationError ``wallet_busy`` when another run keeps it.
        """
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        raise ConfigurationError(
                            "wallet_busy",
                            f"Another wallet command is using {self.directory}; wait for it "
                            "to finish and try again.",
                        ) from None
                    time.sleep(0.05)
            yield
        finally:
            os.close(fd)

    def load(self, passphrase: str) -> WalletState:
        """Open the wallet.

        Raises ConfigurationError ``wallet_not_found``, ``wallet_passphrase_wrong``;
        MalformedError ``wallet_damaged`` (the file cannot be read while the last good copy
        opens with this passphrase, or the file is no envelope at all).
        """
        try:
            blob = self.path.read_bytes()
        except FileNotFoundError:
            raise ConfigurationError(
                "wallet_not_found",
                f"There is no wallet in {self.directory}; create one with `wallet init`.",
                details={"wallet": str(self.directory)},
            ) from None
        try:
            return WalletState.from_dict(keystore.unseal(blob, passphrase))
        except PassportError as exc:
            if exc.code == "keystore_locked" and not self._backup_opens(passphrase):
                raise _wrong_passphrase() from None
            raise self._damaged() from None

    def _backup_opens(self, passphrase: str) -> bool:
        try:
            WalletState.from_dict(keystore.unseal(self.backup_path.read_bytes(), passphrase))
        except (OSError, PassportError):
            return False
        return True

    def _damaged(self) -> MalformedError:
        if self.backup_path.exists():
            hint = (
                f"the last good copy is kept in {self.backup_path}: copy it over "
                f"{self.path} to restore it"
            )
        else:
            hint = "no earlier copy exists: restore it from an export (`wallet import FILE`)"
        return MalformedError(
            "wallet_damaged",
            f"The wallet file {self.path} is damaged and was not changed; {hint}.",
            details={"wallet": str(self.path), "backup": str(self.backup_path)},
        )

    def create(self, state: WalletState, passphrase: str) -> None:
        """Seal a new wallet. Raises ConfigurationError ``wallet_exists``,
        ``keystore_passphrase_empty``."""
        self.check_absent()
        self._write(state, passphrase)

    def check_absent(self) -> None:
        """Raises ConfigurationError ``wallet_exists`` when there is a wallet here already."""
        if self.exists():
            raise ConfigurationError(
                "wallet_exists",
                f"A wallet already exists in {self.directory}; nothing was changed. Use "
                "another --wallet directory.",
                details={"wallet": str(self.directory)},
            )

    def save(self, state: WalletState, passphrase: str) -> None:
        """Replace the wallet with ``state``, keeping the current file as the last good copy."""
        params = self.params
        if self.exists():
            current = self.path.read_bytes()
            params = _params_of(current) or params
            keystore.write_atomic(self.backup_path, current)
        self._write(state, passphrase, params)

    def _write(
        self, state: WalletState, passphrase: str, params: keystore.KdfParams | None = None
    ) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.directory, 0o700)
        blob = keystore.seal(state.to_dict(), passphrase, params=params or self.params)
        keystore.write_atomic(self.path, blob)


def _params_of(envelope: bytes) -> keystore.KdfParams | None:
    """The KDF cost the wallet was created with (kept across writes)."""
    try:
        kdf = json.loads(envelope)["kdf"]
        return keystore.KdfParams(int(kdf["opslimit"]), int(kdf["memlimit"]))
    except (ValueError, KeyError, TypeError, PassportError):
        return None


def export_backup(state: WalletState, passphrase: str, params: keystore.KdfParams) -> bytes:
    """An encrypted backup of the whole wallet (credentials, keys, authenticators, history)."""
    return keystore.seal(
        {"kind": BACKUP_KIND, "wallet": state.to_dict()}, passphrase, params=params
    )


def read_backup(blob: bytes, passphrase: str) -> WalletState:
    """The wallet inside a backup from ``export_backup``.

    Raises ConfigurationError ``wallet_passphrase_wrong``; MalformedError ``backup_invalid``.
    """
    try:
        doc: dict[str, Any] = keystore.unseal(blob, passphrase)
    except PassportError as exc:
        if exc.code == "keystore_locked":
            raise ConfigurationError(
                "wallet_passphrase_wrong",
                "The backup cannot be opened with this passphrase; give the passphrase of "
                "the wallet it was exported from.",
            ) from None
        raise MalformedError(
            "backup_invalid", "This file is not a wallet backup (`wallet export` writes one)."
        ) from None
    if doc.get("kind") != BACKUP_KIND or not isinstance(doc.get("wallet"), dict):
        raise MalformedError(
            "backup_invalid", "This file is not a wallet backup (`wallet export` writes one)."
        )
    try:
        return WalletState.from_dict(doc["wallet"])
    except PassportError:
        raise MalformedError(
            "backup_invalid", "The backup opened but its wallet document is damaged."
        ) from None
