"""Checks on the PNG images the bot sends: the signature, the header, and the pixels."""

from __future__ import annotations

import io
import struct

import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.image import imread

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which the PNG format puts first."""
    assert data.startswith(SIGNATURE), f"not a PNG: {data[:16]!r}"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR"), "the first chunk of a PNG is its 13-byte IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def decode(data: bytes) -> np.ndarray:
    """The pixels (height x width x RGB[A], floats 0-1); fails on a corrupt image."""
    pixels: np.ndarray = imread(io.BytesIO(data), format="png")
    assert pixels.shape[:2] == png_size(data)[::-1]
    return pixels


def has_colour(pixels: np.ndarray, colour: str, *, at_least: int = 2000) -> bool:
    """Whether ``at_least`` pixels are ``colour``: by default more than a legend swatch
    (about 500 on the /stats chart) and antialiased edges, so a bar of the chart."""
    target = np.array(to_rgb(colour))
    close = np.all(np.abs(pixels[..., :3] - target) < 0.02, axis=-1)
    return int(close.sum()) >= at_least
