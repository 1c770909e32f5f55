"""The QR code at the door: an SVG of the diner page's address."""

from __future__ import annotations

import qrcode
from qrcode.image.svg import SvgPathFillImage


def qr_svg(url: str) -> bytes:
    """A scannable SVG (white quiet zone included) that opens `url`."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
        image_factory=SvgPathFillImage,
    )
    code.add_data(url)
    code.make(fit=True)
    image = code.make_image()
    svg: bytes = image.to_string(encoding="unicode").encode()
    return svg
