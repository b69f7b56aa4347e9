"""Product pictures: what an upload must be, and the thumbnails made from it.

An upload is judged by what Pillow decodes, never by its file name or the
content type the client claims: a PNG renamed ``.jpg`` is stored as the PNG
it is, and a GIF or a PDF is refused whatever it is called. Pictures whose
header announces more pixels than ``settings.MAX_IMAGE_PIXELS`` are refused
before they are decoded, since a few kilobytes of compressed data can
otherwise expand into gigabytes of memory (a decompression bomb).
"""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from market.core.errors import invalid

# Pillow's decoded format name → (stored extension, content type). Phones often
# save their JPEGs as MPO (a JPEG with extra pictures appended); it is a JPEG
# to every browser, so it is accepted as one.
ACCEPTED_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "MPO": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}

# EXIF orientations 5 to 8 turn the picture by a quarter, swapping its edges.
_QUARTER_TURN_ORIENTATIONS = {5, 6, 7, 8}
_EXIF_ORIENTATION_TAG = 0x0112

THUMBNAIL_FORMAT = "WEBP"
THUMBNAIL_QUALITY = 82

# What Pillow may raise while decoding a damaged or hostile file.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, TypeError, IndexError, EOFError)


@dataclass(frozen=True)
class CheckedImage:
    """What an accepted upload turned out to be.

    ``width`` and ``height`` are as displayed, after EXIF orientation, because
    that is the shape a storefront lays the picture out in.
    """

    format: str
    extension: str
    content_type: str
    width: int
    height: int


def check_image(upload, *, field: str = "image") -> CheckedImage:
    """Validate an uploaded picture, or raise ``ValidationError`` keyed by ``field``.

    Codes: ``IMAGE_TOO_LARGE`` (bytes or pixels over the limits),
    ``UNSUPPORTED_IMAGE_FORMAT`` (decodes, but is not JPEG, PNG or WebP) and
    ``INVALID_IMAGE`` (not a picture, or a damaged one).
    """
    if upload is None:
        raise invalid(field, _("Choose a picture to upload."), "REQUIRED")
    max_bytes = settings.MAX_IMAGE_UPLOAD_BYTES
    if upload.size is not None and upload.size > max_bytes:
        raise invalid(
            field,
            _("The file is %(size)d bytes; pictures may be at most %(maximum)d bytes.")
            % {"size": upload.size, "maximum": max_bytes},
            "IMAGE_TOO_LARGE",
        )
    try:
        checked = _decode(upload, field)
    finally:
        upload.seek(0)
    return checked


def _decode(upload, field: str) -> CheckedImage:
    max_pixels = settings.MAX_IMAGE_PIXELS
    too_many_pixels = invalid(
        field,
        _("The picture has more than %(maximum)d pixels; make it smaller before uploading.")
        % {"maximum": max_pixels},
        "IMAGE_TOO_LARGE",
    )
    not_a_picture = invalid(
        field, _("The file is not a picture or it is damaged."), "INVALID_IMAGE"
    )
    with warnings.catch_warnings():
        # Pillow only warns between its limit and twice it; a bomb is a bomb.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            upload.seek(0)
            # Opening reads the header only, so the size is known before decoding.
            with Image.open(upload) as image:
                decoded_format = image.format
                width, height = image.size
                if decoded_format not in ACCEPTED_FORMATS:
                    raise invalid(
                        field,
                        _("%(format)s pictures are not accepted; upload JPEG, PNG or WebP.")
                        % {"format": decoded_format},
                        "UNSUPPORTED_IMAGE_FORMAT",
                    )
                if width * height > max_pixels:
                    raise too_many_pixels
                # verify() checks the file's structure (PNG checksums, chunk order)
                # but leaves the image unusable, hence the second opening.
                image.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                # Decoding every pixel is what reveals a truncated or corrupt body.
                image.load()
                orientation = image.getexif().get(_EXIF_ORIENTATION_TAG)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels from None
        except UnidentifiedImageError:
            raise not_a_picture from None
        except _DECODE_ERRORS:
            raise not_a_picture from None
    if orientation in _QUARTER_TURN_ORIENTATIONS:
        width, height = height, width
    extension, content_type = ACCEPTED_FORMATS[decoded_format]
    return CheckedImage(
        format=decoded_format,
        extension=extension,
        content_type=content_type,
        width=width,
        height=height,
    )


def thumbnail_sizes() -> tuple[int, ...]:
    return tuple(sorted(settings.PRODUCT_THUMBNAIL_SIZES))


def make_thumbnails(source, sizes) -> dict[int, tuple[ContentFile, int, int]]:
    """WebP thumbnails of ``source``, turned upright, keyed by longest edge.

    The picture is decoded once and scaled down from the largest size to the
    smallest. A picture smaller than a size keeps its own dimensions for it:
    enlarging would only make a bigger file of the same blur. Each value is
    the file and its width and height.
    """
    sizes = sorted(set(sizes), reverse=True)
    if not sizes:
        return {}
    source.seek(0)
    with Image.open(source) as original:
        # A JPEG can be decoded at a fraction of its size, at least the largest wanted.
        original.draft(None, (sizes[0], sizes[0]))
        upright = _webp_mode(ImageOps.exif_transpose(original))
    width, height = upright.size
    made = {}
    current = upright
    for size in sizes:
        # Dimensions come from the full picture, so rounding does not drift from
        # size to size; the pixels from the previous, larger step, which is cheaper.
        target = _fit(width, height, size)
        if current.size != target:
            current = current.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
        buffer = io.BytesIO()
        # EXIF is not copied: the orientation is applied already, and camera
        # metadata (the GPS position of a farmer's house) is not the public's.
        current.save(buffer, THUMBNAIL_FORMAT, quality=THUMBNAIL_QUALITY, method=4)
        made[size] = (ContentFile(buffer.getvalue()), *current.size)
    return made


def _fit(width: int, height: int, size: int) -> tuple[int, int]:
    """``width`` x ``height`` scaled so the longest edge is ``size``, never enlarged."""
    longest = max(width, height)
    if longest <= size:
        return width, height
    return max(1, round(width * size / longest)), max(1, round(height * size / longest))


def _webp_mode(image: Image.Image) -> Image.Image:
    """The picture in a mode WebP stores: RGBA when it has transparency, else RGB."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    wanted = "RGBA" if has_alpha else "RGB"
    if image.mode == wanted:
        return image
    if image.mode.startswith("I"):
        # 16- and 32-bit greyscale (scans, some PNGs) must first come down to 8 bits.
        image = image.point(lambda value: value / 256).convert("L")
    return image.convert(wanted)
