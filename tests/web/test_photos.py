"""Lesion photos: only the pixels are kept, served only to the dog's clinic, compared by date."""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from cutis.clinic.models import Dog, Photo
from tests.web.conftest import client_for

pytestmark = pytest.mark.django_db

MAKE, ORIENTATION, GPS_IFD, EXIF_IFD, DATE_TIME_ORIGINAL = 0x010F, 0x0112, 0x8825, 0x8769, 0x9003


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    # uploads go to a directory of the test's own, never to the data directory
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


def phone_photo(
    size: tuple[int, int] = (1200, 900),
    *,
    image_format: str = "JPEG",
    orientation: int = 1,
    taken: str | None = None,
) -> bytes:
    """A photo as a phone writes it: camera make, orientation and where it was taken."""
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)})
    if taken:
        exif.get_ifd(EXIF_IFD)[DATE_TIME_ORIGINAL] = taken
    image = Image.new("RGB", size, (196, 120, 96))
    # some detail, so that a smaller image is also a smaller file
    for x in range(0, size[0], 7):
        for y in range(0, size[1], 5):
            image.putpixel((x, y), ((x * 3) % 256, (y * 5) % 256, (x + y) % 256))
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, exif=exif)
    return buffer.getvalue()


def upload(client: Client, dog: Dog, content: bytes, name: str = "IMG_2041.jpg", **fields: str):
    data = {"image": SimpleUploadedFile(name, content), "taken_on": "2025-07-26", **fields}
    return client.post(f"/dogs/{dog.pk}/photos/new/", data)


def stored(photo: Photo, *, thumbnail: bool = False) -> Image.Image:
    field = photo.thumbnail if thumbnail else photo.image
    with field.open("rb") as file:
        image = Image.open(io.BytesIO(file.read()))
        image.load()
    return image


def served(client: Client, url: str) -> Image.Image:
    response = client.get(url)
    assert response.status_code == 200
    return Image.open(io.BytesIO(response.getvalue()))


def make_photo(client: Client, dog: Dog, taken_on: str, region: str = "back") -> Photo:
    response = upload(client, dog, phone_photo((64, 48)), taken_on=taken_on, region=region)
    assert response.status_code == 302
    return dog.photos.get(taken_on=taken_on, region=region)


def test_an_uploaded_jpeg_comes_back_without_exif_or_location(vet_a: User, dog_a: Dog) -> None:
    client = client_for(vet_a)
    visit = dog_a.visits.get()
    response = upload(client, dog_a, phone_photo(), visit=str(visit.pk), region="neck_dorsal")
    photo = dog_a.photos.get()
    assert response.status_code == 302
    assert (photo.visit, photo.region, photo.taken_on) == (
        visit,
        "neck_dorsal",
        datetime.date(2025, 7, 26),
    )
    assert photo.uploaded_by == vet_a
    assert "IMG_2041" not in photo.image.name
    image = served(client, f"/dogs/{dog_a.pk}/photos/{photo.pk}/image/")
    assert image.format == "JPEG"
    assert image.size == (1200, 900)
    assert "exif" not in image.info
    assert not image.getexif()
    assert b"PhoneMaker" not in photo.image.open("rb").read()
    page = client.get(response["Location"]).content.decode()
    assert "Saved the photo of 2025-07-26 · dorsal neck." in page


def test_a_photo_taken_sideways_is_stored_upright(vet_a: User, dog_a: Dog) -> None:
    # orientation 6: the camera was turned a quarter; the pixels lie on their side
    response = upload(client_for(vet_a), dog_a, phone_photo((120, 60), orientation=6))
    image = stored(dog_a.photos.get())
    assert response.status_code == 302
    assert image.size == (60, 120)
    assert not image.getexif()


# the formats a clinic's phones and cameras produce, each kept as it came, minus its metadata
ACCEPTED = [
    ("JPEG", "lesion.jpg", ".jpg", "image/jpeg"),
    ("PNG", "lesion.png", ".png", "image/png"),
    ("WEBP", "lesion.webp", ".webp", "image/webp"),
]


@pytest.mark.parametrize(("image_format", "name", "extension", "content_type"), ACCEPTED)
def test_each_accepted_format_is_kept_in_its_format_without_metadata(
    vet_a: User, dog_a: Dog, image_format: str, name: str, extension: str, content_type: str
) -> None:
    client = client_for(vet_a)
    response = upload(client, dog_a, phone_photo((80, 60), image_format=image_format), name)
    photo = dog_a.photos.get()
    served_image = client.get(f"/dogs/{dog_a.pk}/photos/{photo.pk}/image/")
    image = stored(photo)
    assert response.status_code == 302
    assert photo.image.name.endswith(extension)
    assert served_image["Content-Type"] == content_type
    assert served_image["Cache-Control"] == "private, max-age=3600"
    assert image.format == image_format
    assert not image.getexif()


def test_the_date_taken_left_blank_is_the_date_the_camera_recorded(vet_a: User, dog_a: Dog) -> None:
    response = upload(
        client_for(vet_a), dog_a, phone_photo((60, 40), taken="2025:07:20 09:12:00"), taken_on=""
    )
    assert response.status_code == 302
    assert dog_a.photos.get().taken_on == datetime.date(2025, 7, 20)


def test_the_thumbnail_exists_and_is_smaller(vet_a: User, dog_a: Dog) -> None:
    client = client_for(vet_a)
    upload(client, dog_a, phone_photo())
    photo = dog_a.photos.get()
    thumbnail = served(client, f"/dogs/{dog_a.pk}/photos/{photo.pk}/thumbnail/")
    assert thumbnail.size == (320, 240)
    assert photo.thumbnail.size < photo.image.size
    assert not thumbnail.getexif()


def test_a_file_that_is_not_an_image_is_refused_naming_the_field(vet_a: User, dog_a: Dog) -> None:
    response = upload(
        client_for(vet_a), dog_a, b"%PDF-1.7 a referral letter", "photo.jpg", region="tail"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Photo: is not a JPEG, PNG or WebP image" in page
    assert '<option value="tail" selected>' in page
    assert not Photo.objects.exists()


def test_an_image_in_another_format_is_refused(vet_a: User, dog_a: Dog) -> None:
    response = upload(
        client_for(vet_a), dog_a, phone_photo((20, 20), image_format="GIF"), "lesion.gif"
    )
    assert response.status_code == 200
    assert "Photo: must be a JPEG, PNG or WebP image (got GIF)" in response.content.decode()
    assert not Photo.objects.exists()


def test_a_file_over_10_mb_is_refused_before_it_is_opened(vet_a: User, dog_a: Dog) -> None:
    content = phone_photo((40, 40)) + b"\0" * (10 * 1024 * 1024)
    response = upload(client_for(vet_a), dog_a, content)
    assert response.status_code == 200
    assert "Photo: is larger than 10 MB (10.0 MB)" in response.content.decode()
    assert not Photo.objects.exists()


def test_a_visit_of_another_dog_cannot_be_chosen(vet_a: User, dog_a: Dog, dog_b: Dog) -> None:
    response = upload(
        client_for(vet_a), dog_a, phone_photo((40, 40)), visit=str(dog_b.visits.get().pk)
    )
    assert response.status_code == 200
    assert "Visit: Select a valid choice" in response.content.decode()
    assert not Photo.objects.exists()


def test_photos_are_not_served_from_a_public_media_url(vet_a: User, dog_a: Dog) -> None:
    client = client_for(vet_a)
    upload(client, dog_a, phone_photo((40, 40)))
    photo = dog_a.photos.get()
    assert client.get(f"/media/{photo.image.name}").status_code == 404
    assert Client().get(f"/dogs/{dog_a.pk}/photos/{photo.pk}/image/").status_code == 302


def test_the_compare_page_shows_the_first_and_the_latest_photo_side_by_side_with_their_dates(
    vet_a: User, dog_a: Dog
) -> None:
    client = client_for(vet_a)
    first = make_photo(client, dog_a, "2025-06-01")
    make_photo(client, dog_a, "2025-07-01")
    latest = make_photo(client, dog_a, "2025-07-26")
    page = client.get(f"/dogs/{dog_a.pk}/photos/compare/").content.decode()
    shown = re.findall(r"<figure>.*?<strong>([\d-]+)</strong>", page, re.S)
    assert shown == ["2025-06-01", "2025-07-26"]
    assert f"/photos/{first.pk}/image/" in page
    assert f"/photos/{latest.pk}/image/" in page
    assert "55 days apart." in page


def test_the_compare_page_narrowed_to_a_region_shows_only_that_regions_photos(
    vet_a: User, dog_a: Dog
) -> None:
    client = client_for(vet_a)
    back = make_photo(client, dog_a, "2025-06-01", region="back")
    make_photo(client, dog_a, "2025-06-15", region="neck_dorsal")
    make_photo(client, dog_a, "2025-07-26", region="neck_dorsal")
    page = client.get(f"/dogs/{dog_a.pk}/photos/compare/?region=neck_dorsal").content.decode()
    shown = re.findall(r"<figure>.*?<strong>([\d-]+)</strong>", page, re.S)
    assert shown == ["2025-06-15", "2025-07-26"]
    assert f'<option value="{back.pk}"' not in page
    assert f"/photos/{back.pk}/" not in page


def test_two_chosen_photos_are_shown_older_first(vet_a: User, dog_a: Dog) -> None:
    client = client_for(vet_a)
    early = make_photo(client, dog_a, "2025-06-01")
    middle = make_photo(client, dog_a, "2025-07-01")
    make_photo(client, dog_a, "2025-07-26")
    url = f"/dogs/{dog_a.pk}/photos/compare/?first={middle.pk}&second={early.pk}"
    page = client.get(url).content.decode()
    shown = re.findall(r"<figure>.*?<strong>([\d-]+)</strong>", page, re.S)
    assert shown == ["2025-06-01", "2025-07-01"]


def test_voiding_a_photo_keeps_it_with_its_reason_and_out_of_the_comparison(
    vet_a: User, dog_a: Dog
) -> None:
    client = client_for(vet_a)
    make_photo(client, dog_a, "2025-06-01")
    wrong = make_photo(client, dog_a, "2025-07-26")
    response = client.post(
        f"/dogs/{dog_a.pk}/photos/{wrong.pk}/void/", {"reason": "another dog's elbow"}
    )
    wrong.refresh_from_db()
    assert response.status_code == 302
    assert (wrong.void_reason, wrong.voided_by) == ("another dog's elbow", vet_a)
    assert wrong.history.first().history_user == vet_a
    assert client.get(f"/dogs/{dog_a.pk}/photos/{wrong.pk}/image/").status_code == 200
    listing = client.get(response["Location"]).content.decode()
    assert "Voided photos" in listing
    assert "another dog&#x27;s elbow" in listing
    compare = client.get(f"/dogs/{dog_a.pk}/photos/compare/").content.decode()
    assert "Two photos are needed to compare" in compare


def test_the_dog_page_shows_the_photo_strip(vet_a: User, dog_a: Dog) -> None:
    client = client_for(vet_a)
    photo = make_photo(client, dog_a, "2025-07-26")
    page = client.get(f"/dogs/{dog_a.pk}/").content.decode()
    assert f'src="/dogs/{dog_a.pk}/photos/{photo.pk}/thumbnail/"' in page
    assert 'alt="Photo taken 2025-07-26"' in page


PHOTO_PAGES = ["image/", "thumbnail/", "void/"]
DOG_PAGES = ["", "new/", "compare/"]


@pytest.mark.parametrize("page", PHOTO_PAGES)
def test_a_vet_of_another_clinic_gets_not_found_for_a_photo(
    vet_a: User, vet_b: User, dog_a: Dog, page: str
) -> None:
    photo = make_photo(client_for(vet_a), dog_a, "2025-07-26")
    other = client_for(vet_b)
    url = f"/dogs/{dog_a.pk}/photos/{photo.pk}/{page}"
    assert other.get(url).status_code == 404
    assert other.post(url, {"reason": "not mine"}).status_code in (404, 405)
    photo.refresh_from_db()
    assert not photo.is_voided


@pytest.mark.parametrize("page", DOG_PAGES)
def test_a_vet_of_another_clinic_gets_not_found_for_the_photo_pages(
    vet_b: User, dog_a: Dog, page: str
) -> None:
    other = client_for(vet_b)
    assert other.get(f"/dogs/{dog_a.pk}/photos/{page}").status_code == 404
    assert upload(other, dog_a, phone_photo((40, 40))).status_code == 404
    assert not Photo.objects.exists()


def test_a_photo_of_another_dog_is_not_found_under_this_dog(
    vet_a: User, dog_a: Dog, clinic_a
) -> None:
    other_dog = Dog.objects.create(
        clinic=clinic_a, name="Pepper", birth_date=datetime.date(2020, 1, 1)
    )
    photo = make_photo(client_for(vet_a), dog_a, "2025-07-26")
    response = client_for(vet_a).get(f"/dogs/{other_dog.pk}/photos/{photo.pk}/image/")
    assert response.status_code == 404


def test_voided_photos_take_no_place_in_the_dog_pages_strip(vet_a: User, dog_a: Dog) -> None:
    from cutis.clinic.services.photos import store_photo, void_photo

    def upload(number: int) -> SimpleUploadedFile:
        buffer = io.BytesIO()
        Image.new("RGB", (20, 20), (200, number, 90)).save(buffer, "JPEG")
        return SimpleUploadedFile(f"{number}.jpg", buffer.getvalue(), content_type="image/jpeg")

    kept = store_photo(dog_a, upload(1), visit=None, region="back",
                       taken_on=datetime.date(2025, 7, 1), uploaded_by=vet_a)
    for number in range(2, 15):
        newer = store_photo(dog_a, upload(number), visit=None, region="back",
                            taken_on=datetime.date(2025, 7, 20), uploaded_by=vet_a)
        void_photo(newer, reason="wrong dog", voided_by=vet_a)
    page = client_for(vet_a).get(f"/dogs/{dog_a.pk}/").content.decode()
    assert f"/photos/{kept.pk}/thumbnail/" in page


def test_the_photo_size_limit_comes_from_the_settings(vet_a: User, dog_a: Dog, settings) -> None:
    settings.PHOTO_MAX_MB = 1
    content = phone_photo((40, 40)) + b"\0" * (1536 * 1024)
    response = upload(client_for(vet_a), dog_a, content)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Photo: is larger than 1 MB (1.5 MB)" in page
    assert "up to 1 MB" in page
    assert not Photo.objects.exists()


def test_an_upload_leaves_only_whole_files_named_by_its_record(
    vet_a: User, dog_a: Dog, media_root: Path
) -> None:
    upload(client_for(vet_a), dog_a, phone_photo((64, 48)))
    photo = dog_a.photos.get()
    on_disk = sorted(p.relative_to(media_root).as_posix() for p in media_root.rglob("*.*"))
    assert on_disk == sorted([photo.image.name, photo.thumbnail.name])
    assert not [p for p in media_root.rglob("*") if p.name.startswith(".partial-")]
    assert (media_root / photo.image.name).stat().st_mode & 0o777 == 0o644
