"""Read a QR code from an image file with zxing-cpp (the maintained C++ port of ZXing).

Error codes: ``qr_unreadable`` (MalformedError: the file is not an image, or holds no
readable QR code), ``qr_ambiguous`` (MalformedError: several different QR codes).
"""

from __future__ import annotations

from pathlib import Path

from passport.errors import MalformedError

__all__ = ["read_qr"]


def _is_qr(result: object) -> bool:
    return "QR" in str(getattr(result, "format", ""))


def read_qr(path: str | Path) -> str:
    """The text of the one QR code in the image at ``path``.

    Raises MalformedError ``qr_unreadable`` or ``qr_ambiguous``.
    """
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()
            results = zxingcpp.read_barcodes(image)
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise MalformedError(
            "qr_unreadable",
            f"{path} is not a readable image ({type(exc).__name__}); scan the QR code again.",
            details={"path": str(path)},
        ) from None
    texts = sorted({r.text for r in results if r.valid and r.text and _is_qr(r)})
    if not texts:
        raise MalformedError(
            "qr_unreadable",
            f"No readable QR code in {path}; take a sharper picture of the whole code.",
            details={"path": str(path)},
        )
    if len(texts) > 1:
        raise MalformedError(
            "qr_ambiguous",
            f"{path} shows {len(texts)} different QR codes; crop it to the one to use.",
            details={"path": str(path)},
        )
    return texts[0]
