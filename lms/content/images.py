"""Read an image's width and height without decoding it, for img tags that never jump."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from xml.etree.ElementTree import ParseError, XMLPullParser

from PIL import Image, UnidentifiedImageError

# The image types a cover may be; browsers show all of them in an <img>.
RASTER_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
SVG_TYPE = "image/svg+xml"
COVER_TYPES = (*sorted(RASTER_TYPES), SVG_TYPE)
# An SVG's size is in its root element, which comes first; never read more than this.
_SVG_HEAD_BYTES = 256 * 1024
_LENGTH_RE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(px)?\s*")
_VIEWBOX_RE = re.compile(r"\s*[-0-9.eE]+[\s,]+[-0-9.eE]+[\s,]+([0-9.eE]+)[\s,]+([0-9.eE]+)\s*")


class ImageSizeError(ValueError):
    """An image whose size cannot be read, with a reason an author can act on."""


def image_size(path: Path, content_type: str) -> tuple[int, int]:
    """Return the image's width and height in CSS pixels.

    :raise ImageSizeError: if the file is not an image of `content_type` or states no size.
    """
    if content_type == SVG_TYPE:
        return _svg_size(path)
    if content_type not in RASTER_TYPES:
        raise ImageSizeError("is not an image: use a PNG, JPEG, GIF, WebP or SVG file")
    try:
        with warnings.catch_warnings():
            # Pillow warns, then refuses, on decompression bombs; both mean "not a cover".
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:  # reads the header only
                width, height = image.size
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        ValueError,
    ) as error:
        raise ImageSizeError("could not be read as an image") from error
    if width < 1 or height < 1:
        raise ImageSizeError("has no width or height")
    return width, height


def _svg_size(path: Path) -> tuple[int, int]:
    with path.open("rb") as file:
        head = file.read(_SVG_HEAD_BYTES)
    if b"<!ENTITY" in head:
        # Entities are how XML bombs work, and a picture never needs them.
        raise ImageSizeError("declares XML entities; remove them")
    parser = XMLPullParser(events=("start",))
    try:
        parser.feed(head)
        root = next((element for _event, element in parser.read_events()), None)
    except ParseError as error:
        raise ImageSizeError(f"is not a valid SVG file ({error})") from error
    if root is None or root.tag.rsplit("}", 1)[-1] != "svg":
        raise ImageSizeError("is not an SVG file: its first element is not <svg>")
    width = _length(root.get("width"))
    height = _length(root.get("height"))
    if width is None or height is None:
        box = _VIEWBOX_RE.fullmatch(root.get("viewBox") or "")
        if box is None:
            raise ImageSizeError("states no size: give the <svg> a width and height or a viewBox")
        width, height = float(box[1]), float(box[2])
    if width < 1 or height < 1:
        raise ImageSizeError("has no width or height")
    return round(width), round(height)


def _length(value: str | None) -> float | None:
    """Return an SVG length in pixels, or None for a missing or relative one (such as 100%)."""
    match = _LENGTH_RE.fullmatch(value or "")
    return float(match[1]) if match else None
