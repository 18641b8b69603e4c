"""QR transport of an offline proof, as the EU Digital COVID Certificate does (``HC1:``):
``DFP1:`` + base45 (RFC 9285) of the zlib-compressed (RFC 1950) CBOR, drawn in the QR
code's alphanumeric mode (base45's 45 characters are exactly that alphabet) at error
correction level Q (25% of the symbol can be lost).

Error codes: ``offline_prefix_unknown`` (a QR that is not ``DFP1:``), ``offline_qr_malformed``
(not base45, not zlib, too large), ``offline_qr_unreadable`` (no QR code found in an image)
(MalformedError).
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Final

import base45

from passport.errors import MalformedError

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = [
    "MAX_PAYLOAD",
    "PREFIX",
    "decode_qr_text",
    "encode_qr_text",
    "qr_image",
    "qr_terminal",
    "qr_version",
    "read_qr_image",
]

PREFIX: Final = "DFP1:"
#: Largest decompressed CBOR accepted (a version-40 QR holds under 3 KB): no zlib bombs.
MAX_PAYLOAD: Final = 8192


def encode_qr_text(cbor_bytes: bytes) -> str:
    """``DFP1:`` + base45(zlib(cbor_bytes)) at the best compression."""
    encoded: bytes = base45.b45encode(zlib.compress(cbor_bytes, 9))
    return PREFIX + encoded.decode("ascii")


def decode_qr_text(text: str) -> bytes:
    """The CBOR bytes of a scanned QR text. Raises ``offline_prefix_unknown``,
    ``offline_qr_malformed``."""
    if not isinstance(text, str):
        raise MalformedError("offline_qr_malformed", "A QR payload is text.")
    text = text.strip()
    if not text.startswith(PREFIX):
        head = text.split(":", 1)[0][:8] if ":" in text else text[:8]
        raise MalformedError(
            "offline_prefix_unknown",
            f"This QR is not an offline proof of the Digital Financial Passport (it starts "
            f"with {head!r}, not {PREFIX!r}); scan the citizen's proof QR.",
            details={"prefix": head},
        )
    body = text[len(PREFIX) :]
    try:
        compressed = base45.b45decode(body)
    except (ValueError, KeyError, TypeError, IndexError):
        raise MalformedError(
            "offline_qr_malformed", "The QR text after DFP1: is not base45; scan it again."
        ) from None
    decompressor = zlib.decompressobj()
    try:
        out = decompressor.decompress(compressed, MAX_PAYLOAD + 1)
    except zlib.error:
        raise MalformedError(
            "offline_qr_malformed", "The QR payload is not zlib-compressed data."
        ) from None
    if len(out) > MAX_PAYLOAD:
        raise MalformedError("offline_qr_malformed", "The QR payload expands too far.")
    if not decompressor.eof or decompressor.unused_data:
        raise MalformedError("offline_qr_malformed", "The QR payload is truncated or padded.")
    return out


def _code(text: str):  # type: ignore[no-untyped-def]  # qrcode ships no types
    import qrcode
    from qrcode.util import MODE_ALPHA_NUM, QRData

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=4)
    code.add_data(QRData(text, mode=MODE_ALPHA_NUM))
    code.make(fit=True)
    return code


def qr_version(text: str) -> int:
    """The smallest QR version that holds ``text`` in alphanumeric mode at level Q."""
    return int(_code(text).version)


def qr_image(text: str, *, box_size: int = 4) -> Image:
    """The QR code of ``text`` (alphanumeric mode, level Q) as a PIL image."""
    code = _code(text)
    code.box_size = box_size
    image = code.make_image().get_image()
    return image.convert("L")  # type: ignore[no-any-return]


def qr_terminal(text: str, *, invert: bool = False) -> str:
    """The QR code as text for a terminal, two module rows a line in half blocks (``█``
    ``▀`` ``▄``). Dark modules are drawn in the terminal's text colour, so on a dark
    background pass ``invert=True`` (the quiet zone and light modules get drawn instead):
    scanners want dark modules on a light ground."""
    matrix = _code(text).get_matrix()
    lines = []
    for row in range(0, len(matrix), 2):
        top = matrix[row]
        bottom = matrix[row + 1] if row + 1 < len(matrix) else [False] * len(top)
        line = ""
        for up, low in zip(top, bottom, strict=True):
            up, low = bool(up) != invert, bool(low) != invert
            line += {(True, True): "█", (True, False): "▀", (False, True): "▄"}.get((up, low), " ")
        lines.append(line)
    return "\n".join(lines)


def read_qr_image(image: Image) -> str:
    """The text of the one QR code in ``image`` (a photo or a scan), read by zxing-cpp.

    Raises MalformedError ``offline_qr_unreadable`` when no QR code (or several) is found.
    """
    import zxingcpp

    found = [r for r in zxingcpp.read_barcodes(image.convert("L")) if r.format.name == "QRCode"]
    if len(found) != 1:
        raise MalformedError(
            "offline_qr_unreadable",
            "No single QR code could be read in the image; photograph the citizen's QR "
            "again, flat and in focus, alone in the picture.",
            details={"found": len(found)},
        )
    return found[0].text
