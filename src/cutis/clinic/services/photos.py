"""Lesion photos: checked to be images, stripped of metadata, thumbnailed, voided with a reason.

A phone photo carries the camera, the time and often the GPS position of the owner's home. Only
the pixels are kept: the image is rebuilt from them and encoded afresh, after EXIF orientation
has been applied so the photo still stands the right way up. Files are served only through the
clinic-scoped views, never from a public media URL.
"""

from __future__ import annotations

import datetime
import io
import logging
import uuid

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from cutis.clinic.models import Dog, Photo, Visit
from cutis.clinic.services.errors import EntryError
from cutis.clinic.services.lesions import is_region, region_label
from cutis.clinic.services.records import void_record

logger = logging.getLogger(__name__)

THUMBNAIL_PX = 320
# Pillow format -> file extension and content type; nothing else is accepted
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
CONTENT_TYPES = dict(FORMATS.values())
EXIF_IFD = 0x8769
DATE_TIME_ORIGINAL = 0x9003
DATE_TIME = 0x0132


class PhotoError(EntryError):
    """A photo that cannot be stored as given."""


def photo_place(photo: Photo) -> str:
    return region_label(photo.region) if photo.region else "no region"


def photo_caption(photo: Photo) -> str:
    """How a photo is named on screen: when it was taken and where on the dog."""
    caption = f"{photo.taken_on.isoformat()} · {photo_place(photo)}"
    # photos from the owner portal are told apart: the owner's phone, not the clinic's camera
    uploader = photo.uploaded_by
    if uploader is not None and hasattr(uploader, "owner"):
        caption += " · from the owner"
    return caption


def content_type_of(name: str) -> str:
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def max_photo_bytes() -> int:
    """The upload limit from the settings (CUTIS_PHOTO_MAX_MB)."""
    return int(settings.PHOTO_MAX_MB) * 1024 * 1024


def _open(upload: File) -> Image.Image:
    if upload.size is not None and upload.size > max_photo_bytes():
        megabytes = upload.size / 1024 / 1024
        raise PhotoError("image", f"is larger than {settings.PHOTO_MAX_MB} MB ({megabytes:.1f} MB)")
    try:
        upload.seek(0)
        Image.open(upload).verify()  # checks the whole file; the image cannot be used after
        upload.seek(0)
        image = Image.open(upload)
        if image.format not in FORMATS:
            raise PhotoError("image", f"must be a JPEG, PNG or WebP image (got {image.format})")
        # the pixel count is in the header: refuse a decompression bomb before decoding it
        limit = Image.MAX_IMAGE_PIXELS
        if limit and image.width * image.height > limit:
            raise PhotoError("image", f"is too large ({image.width} × {image.height} pixels)")
        image.load()
    except PhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as error:
        # Pillow signals a truncated or malformed file with any of these
        raise PhotoError("image", "is not a JPEG, PNG or WebP image") from error
    return image


def camera_date(image: Image.Image) -> datetime.date | None:
    """The date the camera recorded, if any: read before the metadata is thrown away."""
    try:
        exif = image.getexif()
        stamp = exif.get_ifd(EXIF_IFD).get(DATE_TIME_ORIGINAL) or exif.get(DATE_TIME)
    except (OSError, ValueError, KeyError):
        return None  # unreadable metadata is thrown away anyway
    if not isinstance(stamp, str):
        return None
    try:
        taken = datetime.datetime.strptime(stamp[:10], "%Y:%m:%d").date()
    except ValueError:
        return None
    # a camera whose clock is wrong must not block the upload: today is the better guess
    return taken if taken <= timezone.localdate() else None


def _pixels_only(image: Image.Image) -> Image.Image:
    """The upright pixels in a new image, which carries no EXIF, XMP, ICC or comment."""
    try:
        upright = ImageOps.exif_transpose(image)
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
        if upright.mode not in ("RGB", "RGBA", "L"):
            upright = upright.convert("RGBA" if has_alpha else "RGB")
    except (OSError, ValueError) as error:
        raise PhotoError(
            "image", f"has a pixel format that cannot be kept ({image.mode})"
        ) from error
    clean = Image.new(upright.mode, upright.size)
    clean.paste(upright)
    return clean


def _encode(image: Image.Image, image_format: str) -> bytes:
    if image_format == "JPEG" and image.mode == "RGBA":
        image = image.convert("RGB")
    buffer = io.BytesIO()
    if image_format == "PNG":
        image.save(buffer, format=image_format, optimize=True)
    else:
        image.save(buffer, format=image_format, quality=90)
    return buffer.getvalue()


@transaction.atomic
def store_photo(
    dog: Dog,
    upload: File,
    *,
    visit: Visit | None,
    region: str,
    taken_on: datetime.date | None,
    uploaded_by: User,
) -> Photo:
    """Keep an uploaded photo of a dog: its pixels and a thumbnail, under random file names.

    `taken_on` left out means the date the camera recorded, else today.
    """
    if visit is not None and (visit.dog_id != dog.pk or visit.is_voided):
        raise PhotoError("visit", "is not a current visit of this dog")
    if region and not is_region(region):
        raise PhotoError("region", f"{region!r} is not a body map region")
    image = _open(upload)
    taken_on = taken_on or camera_date(image) or timezone.localdate()
    if taken_on > timezone.localdate():
        raise PhotoError("taken_on", f"{taken_on.isoformat()} is in the future")
    image_format = str(image.format)
    extension = FORMATS[image_format][0]
    clean = _pixels_only(image)
    thumbnail = clean.copy()
    thumbnail.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    # never the uploaded file name: it may name the owner or the place
    name = f"{uuid.uuid4().hex}.{extension}"
    photo = Photo(dog=dog, visit=visit, region=region, taken_on=taken_on, uploaded_by=uploaded_by)
    # encoded in memory first, so a refused or broken image leaves no file behind
    encoded, encoded_thumbnail = _encode(clean, image_format), _encode(thumbnail, image_format)
    photo.image.save(name, ContentFile(encoded), save=False)
    try:
        photo.thumbnail.save(name, ContentFile(encoded_thumbnail), save=False)
        photo.save()
    except Exception:
        for stored in (photo.image, photo.thumbnail):
            if stored.name:
                stored.storage.delete(stored.name)
        raise
    return photo


@transaction.atomic
def void_photo(photo: Photo, *, reason: str, voided_by: User) -> Photo:
    """Void a photo with a reason: its files stay, it leaves the strip and the comparison."""
    return void_record(photo, reason=reason, voided_by=voided_by, what="photo", error=PhotoError)


def live_photos(dog: Dog, region: str = "") -> QuerySet[Photo]:
    photos = dog.photos.filter(voided_at__isnull=True).select_related("visit", "uploaded_by__owner")
    return photos.filter(region=region) if region else photos


def default_pair(photos: QuerySet[Photo]) -> tuple[Photo, Photo] | None:
    """The first and the latest photo: the comparison a recheck usually wants."""
    ordered = photos.order_by("taken_on", "id")
    first, latest = ordered.first(), ordered.last()
    if first is None or latest is None or first.pk == latest.pk:
        return None
    return first, latest


def in_date_order(one: Photo, other: Photo) -> tuple[Photo, Photo]:
    return (one, other) if (one.taken_on, one.pk) <= (other.taken_on, other.pk) else (other, one)


def open_image(photo: Photo, *, thumbnail: bool) -> File:
    """The stored file, opened for reading; a file missing on disk is logged and not found."""
    stored = photo.thumbnail if thumbnail else photo.image
    try:
        return stored.storage.open(stored.name, "rb")
    except FileNotFoundError:
        logger.error("photo %s of dog %s: file %s is missing", photo.pk, photo.dog_id, stored.name)
        raise
