"""Product pictures: upload, delete, and the WebP thumbnails a task makes of each."""

import uuid
from functools import partial

from django.db import transaction
from django.db.models import Max

from catalog import images, tasks
from catalog.models import ProductImage, ProductImageThumbnail
from catalog.services import common
from market.core.transactions import service_transaction


@service_transaction
def product_image_create(*, by, product_id: int, upload, alt: str = "") -> ProductImage:
    """Store a checked picture; thumbnails are made by a task after commit."""
    product = common.product_for_staff(by, product_id, field="product", lock=True)
    image = ProductImage(product=product)
    errors = common.FieldErrors()
    common.model_field(errors, image, "alt", alt)
    errors.raise_if_any()
    checked = images.check_image(upload)
    top = product.images.aggregate(top=Max("sort_order"))["top"]
    image.sort_order = 0 if top is None else top + 1
    # Named after what the file is, not what the client called it.
    image.image.save(f"{product.pk}-{uuid.uuid4().hex}.{checked.extension}", upload, save=False)
    try:
        # The field measured the stored pixels; keep the upright shape instead.
        image.width, image.height = checked.width, checked.height
        image.save()
    except Exception:
        image.image.storage.delete(image.image.name)
        raise
    transaction.on_commit(partial(tasks.create_product_thumbnails.delay, image.pk), robust=True)
    return image


@service_transaction
def product_image_delete(*, by, image_id: int) -> ProductImage:
    image = common.fetch_for_staff(
        ProductImage.objects.select_related("product").select_for_update(of=("self",)),
        image_id,
        by=by,
        seller_field="product__seller_id",
        field="id",
        label="Picture",
    )
    pk = image.pk
    files = [image.image, *(thumbnail.file for thumbnail in image.thumbnails.all())]
    image.delete()
    common.delete_files_on_commit(files)
    image.pk = pk
    return image


@service_transaction
def product_thumbnails_create(*, image_id: int) -> list[int]:
    """Make the missing WebP thumbnails of a picture; returns the sizes made.

    Safe to run twice: sizes already made are skipped. A picture deleted
    before the task ran is not an error, there is simply nothing to do.
    """
    image = ProductImage.objects.select_for_update().filter(pk=image_id).first()
    if image is None:
        return []
    existing = set(image.thumbnails.values_list("size", flat=True))
    wanted = [size for size in images.thumbnail_sizes() if size not in existing]
    if not wanted:
        return []
    stem = image.image.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    with image.image.open("rb") as source:
        made = images.make_thumbnails(source, wanted)
    stored = []
    try:
        for size, (content, _width, _height) in made.items():
            thumbnail = ProductImageThumbnail(image=image, size=size)
            thumbnail.file.save(f"{stem}-{size}.webp", content, save=False)
            stored.append(thumbnail.file.name)
            thumbnail.save()
    except Exception:
        common.delete_files(image.image.storage, stored)
        raise
    return sorted(made)
