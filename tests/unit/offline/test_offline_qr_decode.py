"""Every offline QR the project writes is read back by an independent decoder (zxing-cpp),
from the clean image and from a photo-like one (scaled, rotated, blurred, noisy)."""

from __future__ import annotations

import random

import pytest
import zxingcpp
from offline_world import NOW, World
from PIL import Image, ImageFilter

from passport.credentials.model import hash_id_document_number
from passport.errors import MalformedError
from passport.offline import (
    decode_qr_text,
    kyc_claims,
    make_offline_proof,
    parse_proof,
    qr_image,
    qr_terminal,
    qr_version,
    read_qr_image,
    verify_offline,
)

KYC_SUBJECT = {
    "legalName": "陳美玲 Chen Mei-Ling",
    "givenName": "Mei-Ling",
    "familyName": "Chen",
    "birthDate": "1990-05-12",
    "nationality": "TW",
    "idDocumentType": "national_id",
    "idDocumentCountry": "TW",
    "idDocumentNumberHash": hash_id_document_number("A123456789", salt=b"\x01" * 16),
    "kycLevel": "standard",
    "verificationDate": "2026-11-30",
}


def photo(image: Image.Image, seed: int) -> Image.Image:
    """What a phone camera makes of a QR on a screen: scaled, rotated, blurred, noisy."""
    rnd = random.Random(seed)
    w, h = image.size
    scale = rnd.uniform(0.8, 1.4)
    img = image.convert("L").resize((int(w * scale), int(h * scale)), Image.Resampling.BILINEAR)
    img = img.rotate(rnd.uniform(8, 25), resample=Image.Resampling.BICUBIC, expand=True,
                     fillcolor=235)  # fmt: skip
    img = img.filter(ImageFilter.GaussianBlur(radius=0.8)).point(lambda v: int(v * 0.8 + 30))
    noise = Image.frombytes("L", img.size, rnd.randbytes(img.size[0] * img.size[1]))
    img = Image.blend(img, noise, 0.2)  # uniform noise over a fifth of every pixel
    return img


def read(image: Image.Image) -> str:
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(results) == 1, "zxing-cpp found no QR code"
    return results[0].text


def proofs(world: World) -> dict[str, str]:
    kyc = world.issue(claims=kyc_claims(KYC_SUBJECT))
    every = [p for p in KYC_SUBJECT if p != "legalName"] + ["name"]
    return {
        "statement-3-tiers-challenge": make_offline_proof(
            world.credential,
            world.holder_key,
            disclose=[f"balanceAtLeast/USD_{n}" for n in (1000, 5000, 10000)],
            now=NOW,
            challenge="K7Q2-9X",
        ).to_qr_text(),
        "statement-window": make_offline_proof(
            world.credential, world.holder_key, disclose=["name", "nationality"], now=NOW
        ).to_qr_text(),
        "kyc-all": make_offline_proof(kyc, world.holder_key, disclose=every, now=NOW).to_qr_text(),
    }


@pytest.mark.parametrize("case", ["statement-3-tiers-challenge", "statement-window", "kyc-all"])
def test_zxing_reads_the_qr_clean_and_photographed(world: World, case: str) -> None:
    text = proofs(world)[case]
    image = qr_image(text)
    for decoded in (read(image), read(photo(image, seed=len(case)))):
        assert decoded == text
        parse_proof(decode_qr_text(decoded))
    challenge = "K7Q2-9X" if "challenge" in case else None
    assert verify_offline(read(photo(image, 7)), world.snapshot, now=NOW,
                          challenge=challenge).verified  # fmt: skip


def test_qr_is_alphanumeric_mode_at_level_q(world: World) -> None:
    text = proofs(world)["statement-3-tiers-challenge"]
    result = zxingcpp.read_barcodes(qr_image(text))[0]
    assert result.ec_level == "Q"
    # base45 output and the prefix use only the QR alphanumeric alphabet
    assert set(text) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    assert int(result.extra["Version"]) == qr_version(text) <= 22


def terminal_image(drawing: str, *, inverted: bool) -> Image.Image:
    """Paint the terminal's half blocks as a screen would (4 pixels a module)."""
    lines = drawing.splitlines()
    img = Image.new("L", (len(lines[0]) * 4, len(lines) * 8), 0 if inverted else 255)
    ink = 255 if inverted else 0
    for y, line in enumerate(lines):
        for x, ch in enumerate(line):
            for half, on in ((0, ch in "█▀"), (1, ch in "█▄")):
                if on:
                    img.paste(ink, (x * 4, y * 8 + half * 4, x * 4 + 4, y * 8 + half * 4 + 4))
    return img


@pytest.mark.parametrize("invert", [False, True])
def test_terminal_rendering_is_read_by_zxing(world: World, invert: bool) -> None:
    text = proofs(world)["statement-window"]
    drawing = qr_terminal(text, invert=invert)
    modules = 17 + 4 * qr_version(text) + 8  # size plus the 4-module quiet zone each side
    lines = drawing.splitlines()
    assert len(lines) == (modules + 1) // 2
    assert {len(line) for line in lines} == {modules}
    # light text on a dark terminal when inverted: dark modules still come out dark
    assert read(terminal_image(drawing, inverted=invert)) == text


def test_read_qr_image_for_the_verifier(world: World) -> None:
    text = proofs(world)["statement-window"]
    assert read_qr_image(photo(qr_image(text), seed=11)) == text
    with pytest.raises(MalformedError) as err:
        read_qr_image(Image.new("L", (200, 200), 255))
    assert err.value.code == "offline_qr_unreadable"
