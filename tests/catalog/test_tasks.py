"""Catalog tasks: queued after commit, thin over the services, and on the beat schedule."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from catalog import services, tasks
from catalog.models import OcopCertificate, ProductImage, ProductImageThumbnail
from market.celery import app as celery_app
from tests.factories import OcopCertificateFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PRODUCT_THUMBNAIL_SIZES = (64, 256)


@pytest.fixture
def product(roles):
    return ProductFactory(seller=roles["seller"], name="Hành tím Vĩnh Hải")


def jpeg_upload() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (120, 80, 160)).save(buffer, "JPEG")
    return SimpleUploadedFile("hanh-tim.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_thumbnails_are_queued_only_after_commit(
    roles, product, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        image = services.product_image_create(
            by=roles["own_staff"], product_id=product.pk, upload=jpeg_upload()
        )
        assert not ProductImageThumbnail.objects.exists()
    thumbnail_callbacks = [c for c in callbacks if "create_product_thumbnails" in repr(c)]
    assert len(thumbnail_callbacks) == 1

    thumbnail_callbacks[0]()
    assert sorted(image.thumbnails.values_list("size", flat=True)) == [64, 256]


class Abandon(Exception):
    """Raised to roll a transaction back on purpose."""


def upload_then_abandon(user, product) -> None:
    with transaction.atomic():
        services.product_image_create(by=user, product_id=product.pk, upload=jpeg_upload())
        raise Abandon


def test_a_rolled_back_upload_queues_nothing(roles, product, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Abandon),
    ):
        upload_then_abandon(roles["own_staff"], product)
    assert callbacks == []
    assert not ProductImage.objects.exists()
    assert not ProductImageThumbnail.objects.exists()


def test_thumbnail_task_calls_the_service(roles, product):
    image = services.product_image_create(
        by=roles["own_staff"], product_id=product.pk, upload=jpeg_upload()
    )
    assert tasks.create_product_thumbnails.delay(image.pk).get() == [64, 256]
    assert tasks.create_product_thumbnails.delay(image.pk).get() == []


def test_thumbnail_task_for_a_deleted_picture_does_nothing():
    assert tasks.create_product_thumbnails.delay(987_654).get() == []


def test_expiry_task_expires_verified_certificates_past_their_date(product):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    expired = OcopCertificateFactory(
        product=product, issued_on=yesterday - datetime.timedelta(days=400), expires_on=yesterday
    )
    current = OcopCertificateFactory(product=product)

    assert tasks.expire_ocop_certificates.delay().get() == 1

    expired.refresh_from_db()
    current.refresh_from_db()
    assert expired.status == OcopCertificate.Status.EXPIRED
    assert current.status == OcopCertificate.Status.VERIFIED
    assert tasks.expire_ocop_certificates.delay().get() == 0


def test_expiry_runs_daily_at_five_past_midnight_in_vietnam():
    entry = celery_app.conf.beat_schedule["catalog-expire-ocop-certificates"]
    schedule = entry["schedule"]

    assert entry["task"] == tasks.expire_ocop_certificates.name
    assert entry["task"] in celery_app.tasks
    assert (schedule.hour, schedule.minute) == ({0}, {5})
    assert schedule.day_of_week == set(range(7))
    assert str(celery_app.conf.timezone) == "Asia/Ho_Chi_Minh"


@pytest.mark.parametrize(
    "name", ["catalog.create_product_thumbnails", "catalog.expire_ocop_certificates"]
)
def test_tasks_are_registered_under_stable_names(name):
    # Beat and queued messages refer to tasks by name; a rename would strand them.
    assert celery_app.tasks[name].name == name
