"""Offer QR codes on disk: written for the owner only, deleted once they are of no use.

An offer's QR code (PNG) holds its pre-authorized code, which with the tx_code buys the
customer's credential: so the file is created with mode 0600, and it is deleted when the
offer is redeemed (the token endpoint) or can no longer be (expired, locked, issued), by
``sweep`` (at the start of ``issuer serve`` and of every ``issuer offer``). Only files in
``<config>/offers/`` are managed; a PNG written elsewhere with ``--png`` is the operator's.
"""

from __future__ import annotations

import contextlib
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from issuer_service.db import Database, Offer
from passport.errors import MalformedError

__all__ = ["offer_png_path", "remove_offer_png", "sweep", "write_png"]

log = logging.getLogger("issuer_service")


def offers_dir(config_dir: Path) -> Path:
    return config_dir / "offers"


def offer_png_path(config_dir: Path, offer_id: str) -> Path:
    return offers_dir(config_dir) / f"{offer_id}.png"


def write_png(image: Any, path: Path) -> None:
    """Save a PIL/qrcode ``image`` to ``path`` as a new file with mode 0600.

    Raises MalformedError ``file_unwritable``."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        path.unlink(missing_ok=True)  # a new file, so that the mode below applies
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            image.save(handle)
    except OSError as exc:
        raise MalformedError(
            "file_unwritable", f"{path}: cannot write it ({exc.strerror or 'I/O error'})."
        ) from None


def remove_offer_png(config_dir: Path, offer_id: str) -> bool:
    """Delete the offer's QR code if it is there; True when a file was removed."""
    path = offer_png_path(config_dir, offer_id)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        log.warning("could not delete %s: %s", path, exc.strerror)
        return False
    return True


def sweep(db: Database, config_dir: Path, now: datetime) -> int:
    """Delete the QR codes of offers that can no longer be redeemed (or are unknown);
    returns how many files went."""
    folder = offers_dir(config_dir)
    if not folder.is_dir():
        return 0
    names = {p.stem: p for p in folder.glob("*.png")}
    if not names:
        return 0
    with db.transaction() as session:
        live = {
            offer_id
            for offer_id, state, expires_at in session.execute(
                select(Offer.id, Offer.state, Offer.expires_at).where(Offer.id.in_(list(names)))
            )
            if state == "offered" and now < expires_at
        }
    removed = 0
    for stem, path in names.items():
        if stem not in live:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
    return removed
