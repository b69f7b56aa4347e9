"""Product pictures: multipart uploads, Pillow checks and WebP thumbnails."""

import io
import json
import random
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from graphql_relay import to_global_id
from PIL import Image

from catalog import images, services
from catalog.models import ProductImage, ProductImageThumbnail
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

SIZES = (64, 128, 256, 512, 1024)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    # Each test stores its pictures in its own folder, removed afterwards.
    settings.MEDIA_ROOT = tmp_path
    settings.PRODUCT_THUMBNAIL_SIZES = SIZES
    return tmp_path


@pytest.fixture
def product(roles):
    return ProductFactory(seller=roles["seller"], name="Vải thiều sấy")


def picture(
    image_format: str = "PNG",
    size: tuple[int, int] = (40, 30),
    *,
    mode: str = "RGB",
    color=(200, 30, 30),
    **options,
) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, image_format, **options)
    return buffer.getvalue()


def noisy_png(size: tuple[int, int]) -> bytes:
    """A PNG that does not compress: random pixels, the same on every run."""
    noise = random.Random(7).randbytes(size[0] * size[1] * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, noise).save(buffer, "PNG")
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A few dozen bytes whose PNG header claims ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def two_colour_jpeg(size=(200, 100), orientation: int | None = None) -> bytes:
    """Left half red, right half blue; optionally with an EXIF orientation."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    options = {"quality": 95}
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def uploaded(content: bytes, name: str = "anh.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


IMAGE_CREATE = """
mutation Upload($product: ID!, $image: Upload!, $alt: String) {
  productImageCreate(product: $product, image: $image, alt: $alt) {
    productImage { id alt width height url }
    product { id }
    errors { field code message }
  }
}
"""

IMAGE_DELETE = """
mutation Delete($id: ID!) {
  productImageDelete(id: $id) {
    productImage { id }
    errors { field code message }
  }
}
"""


def post_upload(client, headers, product, file, *, alt="Vải thiều sấy khô đóng hộp"):
    operations = {
        "query": IMAGE_CREATE,
        "variables": {"product": to_global_id("Product", product.pk), "image": None, "alt": alt},
    }
    response = client.post(
        "/graphql/",
        {
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.image"]}),
            "0": file,
        },
        **headers,
    )
    return response.status_code, response.json()


def upload_errors(status, body) -> list[tuple[str, str]]:
    assert status == 200, body
    assert "errors" not in body, body
    return [(e["field"], e["code"]) for e in body["data"]["productImageCreate"]["errors"]]


# ---------------------------------------------------------------- checks


def test_check_reads_the_decoded_format_not_the_name():
    checked = images.check_image(
        uploaded(picture("PNG"), name="anh.jpg", content_type="image/jpeg")
    )
    assert (checked.format, checked.extension, checked.width, checked.height) == (
        "PNG",
        "png",
        40,
        30,
    )


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"%PDF-1.7\n% not a picture at all", "INVALID_IMAGE"),
        (picture("GIF"), "UNSUPPORTED_IMAGE_FORMAT"),
        (picture("BMP"), "UNSUPPORTED_IMAGE_FORMAT"),
        (picture("PNG", (200, 200))[:-40], "INVALID_IMAGE"),
        (noisy_png((120, 120))[:600], "INVALID_IMAGE"),
        (png_claiming(100_000, 100_000), "IMAGE_TOO_LARGE"),
        (png_claiming(10_000, 10_000), "IMAGE_TOO_LARGE"),
    ],
    ids=["pdf", "gif", "bmp", "truncated-end", "truncated-body", "bomb-error", "bomb-warning"],
)
def test_check_refuses(content, code):
    with pytest.raises(ValidationError) as exc_info:
        images.check_image(uploaded(content))
    assert [error.code for error in exc_info.value.error_dict["image"]] == [code]


def test_the_pixel_limit_comes_from_settings(settings):
    settings.MAX_IMAGE_PIXELS = 1_000
    with pytest.raises(ValidationError) as exc_info:
        images.check_image(uploaded(picture("PNG", (40, 30))))
    assert exc_info.value.error_dict["image"][0].code == "IMAGE_TOO_LARGE"


def test_upright_dimensions_follow_exif_orientation():
    checked = images.check_image(uploaded(two_colour_jpeg((200, 100), orientation=6)))
    assert (checked.width, checked.height) == (100, 200)


@pytest.mark.parametrize(
    ("requested", "size"),
    [(1, 64), (64, 64), (65, 128), (300, 512), (1024, 1024), (1025, None), (4096, None)],
)
def test_the_thumbnail_served_never_makes_the_browser_enlarge(
    graphql, roles, product, django_capture_on_commit_callbacks, requested, size
):
    with django_capture_on_commit_callbacks(execute=True):
        image = services.product_image_create(
            by=roles["own_staff"],
            product_id=product.pk,
            upload=uploaded(picture("PNG", (90, 60))),
        )
    _status, body = graphql(
        "query ($slug: String!, $size: Int) { product(slug: $slug) {"
        " thumbnail(size: $size) images { thumbnailUrl(size: $size) } } }",
        {"slug": product.slug, "size": requested},
    )

    assert "errors" not in body, body
    # The smallest size at least as large as asked; the original when none is.
    chosen = image.thumbnails.get(size=size).file if size else image.image
    expected = f"http://testserver{chosen.url}"
    assert body["data"]["product"] == {
        "thumbnail": expected,
        "images": [{"thumbnailUrl": expected}],
    }


# ---------------------------------------------------------------- uploads over HTTP


def test_a_png_named_jpg_is_stored_as_the_png_it_is(client, auth_headers, roles, product):
    status, body = post_upload(
        client,
        auth_headers(roles["own_staff"]),
        product,
        uploaded(picture("PNG", (60, 45)), name="vai-thieu.jpg", content_type="image/jpeg"),
    )
    assert upload_errors(status, body) == []
    payload = body["data"]["productImageCreate"]["productImage"]
    assert (payload["width"], payload["height"]) == (60, 45)
    assert payload["alt"] == "Vải thiều sấy khô đóng hộp"
    stored = ProductImage.objects.get()
    assert stored.image.name.endswith(".png")
    with Image.open(stored.image.path) as reopened:
        assert reopened.format == "PNG"


@pytest.mark.parametrize(
    ("file", "code"),
    [
        (uploaded(b"Day khong phai la anh", name="anh.jpg"), "INVALID_IMAGE"),
        (
            uploaded(picture("GIF"), name="anh.gif", content_type="image/gif"),
            "UNSUPPORTED_IMAGE_FORMAT",
        ),
        (uploaded(png_claiming(100_000, 100_000), name="bom.png"), "IMAGE_TOO_LARGE"),
    ],
    ids=["not-an-image", "gif", "decompression-bomb"],
)
def test_bad_uploads_are_typed_errors_and_store_nothing(
    client, auth_headers, roles, product, media_root, file, code
):
    status, body = post_upload(client, auth_headers(roles["own_staff"]), product, file)
    assert upload_errors(status, body) == [("image", code)]
    assert not ProductImage.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_an_oversized_file_is_refused(client, auth_headers, roles, product, settings):
    settings.MAX_IMAGE_UPLOAD_BYTES = 2_048
    content = noisy_png((64, 64))
    assert len(content) > 2_048
    status, body = post_upload(client, auth_headers(roles["own_staff"]), product, uploaded(content))
    assert upload_errors(status, body) == [("image", "IMAGE_TOO_LARGE")]
    assert not ProductImage.objects.exists()


def test_a_body_far_over_the_limit_is_refused_before_reading(
    client, auth_headers, roles, product, settings
):
    settings.MAX_IMAGE_UPLOAD_BYTES = 1_024
    huge = uploaded(b"\x00" * (1_100 * 1024), name="to.png")
    status, _body = post_upload(client, auth_headers(roles["own_staff"]), product, huge)
    assert status == 413
    assert not ProductImage.objects.exists()


def test_a_stranger_cannot_add_pictures(client, auth_headers, roles, product):
    status, body = post_upload(
        client, auth_headers(roles["other_staff"]), product, uploaded(picture())
    )
    assert upload_errors(status, body) == [(None, "PERMISSION_DENIED")]
    assert not ProductImage.objects.exists()


def test_thumbnails_are_webp_at_each_size(
    client, auth_headers, roles, product, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        status, body = post_upload(
            client,
            auth_headers(roles["own_staff"]),
            product,
            uploaded(two_colour_jpeg((2000, 1000)), name="vai.jpg", content_type="image/jpeg"),
        )
    assert upload_errors(status, body) == []
    assert len(callbacks) == 1

    image = ProductImage.objects.get()
    thumbnails = {t.size: t for t in image.thumbnails.all()}
    assert sorted(thumbnails) == list(SIZES)
    for size, thumbnail in thumbnails.items():
        assert thumbnail.file.name.endswith(".webp")
        with Image.open(thumbnail.file.path) as webp:
            assert webp.format == "WEBP"
            assert webp.size == (size, size // 2)


def test_small_pictures_are_not_enlarged(roles, product, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        image = services.product_image_create(
            by=roles["own_owner"],
            product_id=product.pk,
            upload=uploaded(picture("PNG", (300, 200))),
        )
    dimensions = {}
    for thumbnail in image.thumbnails.all():
        with Image.open(thumbnail.file.path) as webp:
            dimensions[thumbnail.size] = webp.size
    assert dimensions == {
        64: (64, 43),
        128: (128, 85),
        256: (256, 171),
        512: (300, 200),
        1024: (300, 200),
    }


def test_thumbnails_are_turned_upright(roles, product, django_capture_on_commit_callbacks):
    # Orientation 6: the camera was turned; the picture is shown turned a quarter clockwise,
    # so the red left half ends up on top.
    with django_capture_on_commit_callbacks(execute=True):
        image = services.product_image_create(
            by=roles["own_staff"],
            product_id=product.pk,
            upload=uploaded(two_colour_jpeg((200, 100), orientation=6), name="dung.jpg"),
        )
    assert (image.width, image.height) == (100, 200)
    thumbnail = image.thumbnails.get(size=128)
    with Image.open(thumbnail.file.path) as webp:
        assert webp.size == (64, 128)
        rgb = webp.convert("RGB")
        top, bottom = rgb.getpixel((32, 10)), rgb.getpixel((32, 118))
    assert top[0] > 150 > top[2]
    assert bottom[2] > 150 > bottom[0]


def test_transparency_is_kept(roles, product, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        image = services.product_image_create(
            by=roles["own_staff"],
            product_id=product.pk,
            upload=uploaded(picture("PNG", (80, 80), mode="RGBA", color=(0, 128, 0, 0))),
        )
    with Image.open(image.thumbnails.get(size=64).file.path) as webp:
        assert webp.mode == "RGBA"
        assert webp.getpixel((5, 5))[3] == 0


def test_making_thumbnails_twice_is_harmless(roles, product):
    image = services.product_image_create(
        by=roles["own_staff"], product_id=product.pk, upload=uploaded(picture("WEBP", (90, 60)))
    )
    assert services.product_thumbnails_create(image_id=image.pk) == list(SIZES)
    assert services.product_thumbnails_create(image_id=image.pk) == []
    assert ProductImageThumbnail.objects.filter(image=image).count() == len(SIZES)
    assert services.product_thumbnails_create(image_id=image.pk + 1000) == []


def test_delete_removes_the_files_after_commit(
    graphql, auth_headers, roles, product, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        image = services.product_image_create(
            by=roles["own_staff"], product_id=product.pk, upload=uploaded(picture())
        )
    paths = [image.image.path, *(t.file.path for t in image.thumbnails.all())]
    assert len(paths) == 1 + len(SIZES)

    with django_capture_on_commit_callbacks(execute=True):
        status, body = graphql(
            IMAGE_DELETE,
            {"id": to_global_id("ProductImage", image.pk)},
            **auth_headers(roles["own_owner"]),
        )
    assert body["data"]["productImageDelete"]["errors"] == [], body
    assert status == 200
    assert not ProductImage.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_a_refused_delete_keeps_picture_and_files(
    graphql, auth_headers, roles, product, django_capture_on_commit_callbacks
):
    image = services.product_image_create(
        by=roles["own_staff"], product_id=product.pk, upload=uploaded(picture())
    )
    with django_capture_on_commit_callbacks(execute=True):
        status, body = graphql(
            IMAGE_DELETE,
            {"id": to_global_id("ProductImage", image.pk)},
            **auth_headers(roles["other_staff"]),
        )
    assert [e["code"] for e in body["data"]["productImageDelete"]["errors"]] == [
        "PERMISSION_DENIED"
    ]
    assert status == 200
    assert ProductImage.objects.filter(pk=image.pk).exists()
    image.refresh_from_db()
    assert image.image.storage.exists(image.image.name)


# ---------------------------------------------------------------- the multipart protocol


def post_form(client, headers, **fields):
    response = client.post("/graphql/", fields, **headers)
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("operations", "file_map", "files"),
    [
        ("{not json", '{"0": ["variables.image"]}', ["0"]),
        (None, "{not json", ["0"]),
        (None, '["variables.image"]', ["0"]),
        (None, '{"0": "variables.image"}', ["0"]),
        (None, '{"0": []}', ["0"]),
        (None, '{"1": ["variables.image"]}', ["0"]),
        (None, '{"0": ["query"]}', ["0"]),
        (None, '{"0": ["variables"]}', ["0"]),
        (None, '{"0": ["variables.product"]}', ["0"]),
        (None, '{"0": ["variables.missing.image"]}', ["0"]),
        (None, '{"0": ["variables.image", "variables.image"]}', ["0"]),
        ('[{"query": "{ shop { name } }"}]', '{"0": ["0.variables.image"]}', ["0"]),
        (None, None, ["0"]),
    ],
    ids=[
        "operations-not-json",
        "map-not-json",
        "map-not-object",
        "paths-not-list",
        "paths-empty",
        "file-missing",
        "into-query",
        "over-variables",
        "over-a-value",
        "through-a-missing-key",
        "twice",
        "batch-not-enabled",
        "no-map",
    ],
)
def test_malformed_multipart_requests_are_400(
    client, auth_headers, roles, product, operations, file_map, files
):
    if operations is None:
        operations = json.dumps(
            {
                "query": IMAGE_CREATE,
                "variables": {"product": to_global_id("Product", product.pk), "image": None},
            }
        )
    fields = {"operations": operations}
    if file_map is not None:
        fields["map"] = file_map
    for key in files:
        fields[key] = uploaded(picture())
    status, body = post_form(client, auth_headers(roles["own_staff"]), **fields)
    assert status == 400, body
    assert body["errors"][0]["message"]
    assert not ProductImage.objects.exists()


def test_a_file_variable_sent_as_json_is_refused(graphql, auth_headers, roles, product):
    status, body = graphql(
        IMAGE_CREATE,
        {"product": to_global_id("Product", product.pk), "image": "anh.png"},
        **auth_headers(roles["own_staff"]),
    )
    assert status == 200  # variables that do not fit: a request error, 200 in application/json
    assert "multipart" in body["errors"][0]["message"]
    assert not ProductImage.objects.exists()


def test_a_multipart_form_without_operations_still_answers(client):
    status, body = post_form(client, {}, query="{ shop { defaultCurrency } }")
    assert status == 200
    assert body["data"]["shop"]["defaultCurrency"] == "VND"
