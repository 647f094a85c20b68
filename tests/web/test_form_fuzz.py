"""Bad input at every clinic form: never a 500, a rejection names the field, nothing stored changes.

FORMS is a table: one row per form, its URL and what each field may be sent. A value is drawn
either as something a vet could type for that field or from a list of troublemakers (empty,
numbers past any float, NaN, impossible dates, huge text, NUL, markup, lists for single fields).

Per case: the vet of the dog's clinic posts; the answer must be the form again with each error
beside its field's label (and nothing stored, files included, changed), or a redirect after which
the pages reading the record still open. Pages answering an action with a redirect and a message
(ACTIONS) must keep everything as it was when the message is an error. Each case runs in a
transaction rolled back at its end, so cases do not pile records onto one another.

The owner portal's forms are fuzzed the same way, with these helpers, in
tests/web/portal/test_portal_fuzz.py; the API's assess endpoint in tests/api/test_assess_fuzz.py.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.messages import constants, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from cutis.clinic.models import Dog, Visit
from tests.strategies import CASES_RUN, KNOWLEDGE, fuzz_settings
from tests.web.conftest import client_for
from tests.web.test_permissions import monitoring_item, observation, photo, taper_item

pytestmark = pytest.mark.django_db

# what anyone may paste into any field
TROUBLE = (
    "",
    " ",
    "-1",
    "0",
    "-0",
    "1e308",
    "1e309",
    "-1e309",
    "nan",
    "NaN",
    "inf",
    "-Infinity",
    "9" * 40,
    "1" * 400,
    "0.0000001",
    "12,5",
    "١٢",
    "0x1A",
    "2025-02-30",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "31/12/2025",
    "x" * 5000,
    "a\x00b",
    "<script>alert(1)</script>",
    "'; DROP TABLE clinic_dog;--",
    "\u202eevil",
)
trouble = st.sampled_from(TROUBLE) | st.text(max_size=30)


def dates_near_today() -> st.SearchStrategy[str]:
    today = datetime.date.today()
    return st.integers(-40 * 365, 400).map(
        lambda days: (today + datetime.timedelta(days)).isoformat()
    )


def numbers(low: float, high: float) -> st.SearchStrategy[str]:
    return st.floats(low, high).map(lambda value: f"{value:.6g}")


def choice(values: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(values) if values else st.just("")


def several(values: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(choice(values) | trouble, max_size=4)


def value_of(plausible: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field's value: plausible most of the time, trouble otherwise (a list now and then)."""
    return plausible | trouble | st.lists(trouble, min_size=2, max_size=3)


def image_bytes(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), "pink").save(buffer, kind)
    return buffer.getvalue()


uploads = st.one_of(
    st.sampled_from(("JPEG", "PNG", "WEBP")).map(image_bytes),
    st.binary(max_size=200),
    st.sampled_from(("JPEG", "PNG")).map(lambda kind: image_bytes(kind)[:40]),
    st.just(b"GIF89a" + b"\x00" * 30),
).map(lambda content: SimpleUploadedFile("lesion.jpg", content, content_type="image/jpeg"))


REGIONS = sorted(KNOWLEDGE.region_ids)
SIGNS = sorted(KNOWLEDGE.sign_ids)
CONDITIONS = sorted(KNOWLEDGE.condition_ids)
NUMERIC_CODES = sorted(code for code, lab in KNOWLEDGE.labs.items() if lab["kind"] == "numeric")
RESULT_CODES = sorted(code for code, lab in KNOWLEDGE.labs.items() if lab["kind"] == "result")
UNITS = sorted({unit for lab in KNOWLEDGE.labs.values() for unit in lab.get("units", {})})
RESULTS = sorted({r for lab in KNOWLEDGE.labs.values() for r in lab.get("results", [])})
DRUGS = sorted(KNOWLEDGE.drugs)
MORPHOLOGIES = ["papule", "plaque", "nodule", "ulcer"]
YES_NO = ["", "true", "false"]
SEXES = ["female", "female_spayed", "male", "male_neutered", "unknown"]
ROUTES = ["oral", "topical", "injection", "depot_injection", "otic", "ophthalmic", "inhaled"]
TREATMENTS = sorted(KNOWLEDGE.treatments) if hasattr(KNOWLEDGE, "treatments") else []

LESION_FIELDS = {
    "morphology": choice(MORPHOLOGIES),
    "count": st.integers(-2, 60).map(str),
    "size_cm": numbers(0, 40),
    "firm_gritty": choice(YES_NO),
    "features": several(["erythema", "white_yellow_crust", "ulceration", "alopecia"]),
    "pruritic": choice(YES_NO),
    "onset": dates_near_today(),
}
VOID_FIELDS = {"reason": st.sampled_from(("entered on the wrong dog", "duplicate"))}


@dataclass(frozen=True)
class Records:
    """The dog a case posts to and one record of each kind the forms change."""

    dog: Dog
    visit: int
    lesion: int
    observation: int
    photo: int
    taper: int
    monitoring: int


# what a field may be sent: a strategy, or one drawn from the records of the case (their ids)
Field = st.SearchStrategy[Any] | Callable[[Records], st.SearchStrategy[Any]]


@dataclass(frozen=True)
class FormPage:
    args: Callable[[Records], list[Any]]
    fields: dict[str, Field]
    # sent as they are: which button was pressed
    fixed: dict[str, str] = field(default_factory=dict)
    # pages that read what an accepted form stored, each must still open
    readers: tuple[str, ...] = ("clinic:dog_detail", "clinic:assessment")


def dog(r: Records) -> list[Any]:
    return [r.dog.pk]


FORMS: dict[str, FormPage] = {
    "clinic:dog_create": FormPage(
        lambda r: [],
        {
            "name": value_of(st.sampled_from(("Biscuit", "Coco"))),
            "breed": value_of(st.just("Beagle")),
            "sex": value_of(choice(SEXES)),
            "birth_date": value_of(dates_near_today()),
            "owner_name": value_of(st.just("Olive")),
            "owner_email": value_of(st.just("olive@example.org")),
        },
        readers=("clinic:dog_list",),
    ),
    "clinic:visit_create": FormPage(
        dog,
        {
            "date": value_of(dates_near_today()),
            "weight_kg": value_of(numbers(0, 130)),
            "signs": several(SIGNS),
            "conditions": several(CONDITIONS),
            "notes": value_of(st.just("recheck")),
        },
        readers=("clinic:dog_detail", "clinic:assessment", "clinic:trends"),
    ),
    "clinic:medication_create": FormPage(
        dog,
        {
            "drug": value_of(choice(DRUGS) | st.just("fish oil")),
            "dose_mg": value_of(numbers(0, 3000)),
            "interval_hours": value_of(numbers(0, 700)),
            "route": value_of(choice(ROUTES)),
            "start": value_of(dates_near_today()),
            "end": value_of(dates_near_today()),
            "reason": value_of(st.just("itch")),
        },
        readers=("clinic:dog_detail", "clinic:assessment", "clinic:plan"),
    ),
    "clinic:lab_value_create": FormPage(
        dog,
        {
            "code": value_of(choice(NUMERIC_CODES)),
            "value": value_of(numbers(-10, 5000)),
            "unit": value_of(choice(UNITS)),
            "date": value_of(dates_near_today()),
        },
        readers=("clinic:lab_list", "clinic:assessment", "clinic:trends", "clinic:dog_detail"),
    ),
    "clinic:lab_test_create": FormPage(
        dog,
        {
            "code": value_of(choice(RESULT_CODES)),
            "result": value_of(choice(RESULTS)),
            "organism": value_of(st.just("Staphylococcus pseudintermedius")),
            "susceptible": several(DRUGS),
            "resistant": several(DRUGS),
            "methicillin_resistant": value_of(st.sampled_from(("on", ""))),
            "date": value_of(dates_near_today()),
        },
        readers=("clinic:lab_list", "clinic:assessment", "clinic:dog_detail"),
    ),
    "clinic:lab_void": FormPage(
        lambda r: [r.dog.pk, r.observation],
        {"reason": value_of(VOID_FIELDS["reason"])},
        readers=("clinic:lab_list", "clinic:assessment"),
    ),
    "clinic:lesion_create": FormPage(
        lambda r: [r.dog.pk, r.visit, "back"],
        {name: value_of(strategy) for name, strategy in LESION_FIELDS.items()},
    ),
    "clinic:lesion_edit": FormPage(
        lambda r: [r.dog.pk, r.lesion],
        {name: value_of(strategy) for name, strategy in LESION_FIELDS.items()},
    ),
    "clinic:lesion_void": FormPage(
        lambda r: [r.dog.pk, r.lesion],
        {"reason": value_of(VOID_FIELDS["reason"])},
    ),
    "clinic:photo_upload": FormPage(
        dog,
        {
            "image": uploads | trouble,
            "region": value_of(choice(REGIONS)),
            "taken_on": value_of(dates_near_today()),
            "visit": value_of(st.just("")),
        },
        readers=("clinic:photo_list", "clinic:photo_compare", "clinic:dog_detail"),
    ),
    "clinic:photo_void": FormPage(
        lambda r: [r.dog.pk, r.photo],
        {"reason": value_of(VOID_FIELDS["reason"])},
        readers=("clinic:photo_list", "clinic:dog_detail"),
    ),
    "clinic:plan_item_edit": FormPage(
        lambda r: [r.dog.pk, r.taper],
        {
            "mg_per_kg": value_of(numbers(0, 10)),
            "weight_kg": value_of(numbers(0, 130)),
            "product": value_of(st.just("")),
            "interval_hours": value_of(numbers(0, 200)),
            "route": value_of(choice(ROUTES)),
            "start": value_of(dates_near_today()),
            "end": value_of(dates_near_today()),
            "instructions": value_of(st.just("with food")),
        },
        fixed={"action": "save"},
        readers=("clinic:plan", "clinic:dog_detail", "clinic:monitoring"),
    ),
    "clinic:plan_item_void": FormPage(
        lambda r: [r.dog.pk, r.taper],
        {"reason": value_of(VOID_FIELDS["reason"])},
        readers=("clinic:plan", "clinic:dog_detail"),
    ),
    "clinic:plan_taper": FormPage(
        lambda r: [r.dog.pk, r.taper],
        {
            "start": value_of(dates_near_today()),
            "start_mg": value_of(numbers(0, 100)),
            "interval_hours": value_of(numbers(0, 100)),
            "step_percent": value_of(numbers(0, 100)),
            "step_days": value_of(st.integers(-1, 60).map(str)),
            "smallest_step_mg": value_of(numbers(0, 10)),
            "action": st.sampled_from(("save", "preview")),
        },
        readers=("clinic:plan", "clinic:dog_detail"),
    ),
}

# action endpoints: a redirect with a message; an error message means nothing was changed
ACTIONS: dict[str, FormPage] = {
    "clinic:monitoring_due": FormPage(
        lambda r: [r.dog.pk, r.monitoring],
        {"due": value_of(dates_near_today())},
        readers=("clinic:monitoring", "clinic:dog_detail"),
    ),
    "clinic:monitoring_done": FormPage(
        lambda r: [r.dog.pk, r.monitoring],
        {"done_on": value_of(dates_near_today())},
        readers=("clinic:monitoring", "clinic:dog_detail"),
    ),
    "clinic:plan_accept": FormPage(
        dog,
        {"treatment": value_of(choice(TREATMENTS)), "drug": value_of(choice(DRUGS))},
        readers=("clinic:plan", "clinic:dog_detail", "clinic:monitoring"),
    ),
}


def stored(media: Path) -> dict[str, Any]:
    """Every row of every clinic and owner portal table, histories included, every user, and
    every file under MEDIA_ROOT."""
    models: list[type[Model]] = [User]
    for label in ("clinic", "portal"):
        models += apps.get_app_config(label).get_models()
    rows: dict[str, Any] = {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in models
    }
    rows["files"] = sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())
    return rows


@pytest.fixture
def records(dog_a: Dog, vet_a: Any, settings: Any, tmp_path: Path) -> Records:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    visit = Visit.objects.filter(dog=dog_a).first()
    assert visit is not None
    return Records(
        dog=dog_a,
        visit=visit.pk,
        lesion=visit.lesions.first().pk,  # type: ignore[union-attr]
        observation=observation(dog_a),
        photo=photo(dog_a),
        taper=taper_item(dog_a),
        monitoring=monitoring_item(dog_a),
    )


def posted(page: FormPage, data: st.DataObject, records: Records) -> dict[str, Any]:
    values = {
        name: data.draw(
            strategy if isinstance(strategy, st.SearchStrategy) else strategy(records), label=name
        )
        for name, strategy in page.fields.items()
    }
    return {**values, **page.fixed}


def assert_readers_open(client: Client, page: FormPage, records: Records) -> None:
    for reader in page.readers:
        url = reverse(reader, args=[] if reader == "clinic:dog_list" else [records.dog.pk])
        status = client.get(url).status_code
        assert status == 200, f"{url} answered {status} after the accepted form"


def assert_errors_shown(response: Any) -> None:
    form = response.context["form"]
    assert form.errors, "the form came back without an error"
    html = response.content.decode()
    for name, errors in form.errors.items():
        for error in errors:
            if name == "__all__":
                assert escape(error) in html, error
            else:
                shown = f"{escape(form[name].label)}: {escape(error)}"
                assert shown in html, f"{name}: {error!r} is not shown beside its label"


# of a long run's CUTIS_FUZZ_EXAMPLES (see `make fuzz`): a form post costs about a hundred core cases
WEB_SHARE = 0.04
SLICE = 12


def web_share() -> float:
    """Each fuzzed web form's part of WEB_SHARE: the clinic's and the owner portal's alike."""
    from tests.web.portal.test_portal_fuzz import PORTAL_FUZZED

    return WEB_SHARE / (len(FORMS) + len(ACTIONS) + len(UPLOADS) + PORTAL_FUZZED)


Check = Callable[[Client, Any, Callable[[], bool]], None]


def fuzz_posts(
    name: str, page: FormPage, records: Records, poster: User | None, check: Check
) -> None:
    """Post drawn values to the page as `poster` (None: no one signed in), each case in a
    transaction rolled back at its end.

    `check` gets the client, the response and a function telling whether anything stored (rows
    or files) changed since just before the post.
    """
    client = client_for(poster) if poster is not None else Client()
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)

    @fuzz_settings(SLICE, share=web_share())
    @given(st.data())
    def post_one(data: st.DataObject) -> None:
        CASES_RUN[f"web: {name}"] += 1
        with transaction.atomic():
            before = stored(media)
            url = reverse(name, args=page.args(records))
            response = client.post(url, posted(page, data, records))
            check(client, response, lambda: stored(media) != before)
            transaction.set_rollback(True)
        # files written by an accepted upload are not rolled back with the rows
        for stray in set(stored(media)["files"]) - set(before["files"]):
            (media / stray).unlink()

    post_one()


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_clinic_form_rejects_bad_input_by_field_and_keeps_what_is_stored(
    name: str, records: Records, vet_a: Any
) -> None:
    page = FORMS[name]

    def check(client: Client, response: Any, changed: Callable[[], bool]) -> None:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:
            assert_errors_shown(response)
            assert not changed(), "a rejected form changed what is stored"
        else:
            assert_readers_open(client, page, records)

    fuzz_posts(name, page, records, vet_a, check)


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_a_clinic_action_refuses_bad_input_with_a_message_and_keeps_what_is_stored(
    name: str, records: Records, vet_a: Any
) -> None:
    page = ACTIONS[name]

    def check(client: Client, response: Any, changed: Callable[[], bool]) -> None:
        assert response.status_code == 302, response.status_code
        shown = list(get_messages(response.wsgi_request))
        assert shown, "the action answered without a message"
        if any(message.level == constants.ERROR for message in shown):
            assert not changed(), "a refused action changed what is stored"
        assert_readers_open(client, page, records)

    fuzz_posts(name, page, records, vet_a, check)


def csv_rows() -> st.SearchStrategy[bytes]:
    """A lab CSV as a clinic might send it, each cell plausible or trouble; or bytes of anything."""
    cell = st.integers(-3, 40).map(str) | trouble
    row = st.tuples(cell, choice(NUMERIC_CODES) | trouble, value_of(numbers(0, 400)) | trouble,
                    choice(UNITS) | trouble, dates_near_today() | trouble)
    text = st.lists(row, max_size=6).map(
        lambda rows: "dog_id,code,value,unit,date\n"
        + "".join(",".join(str(c).replace(",", " ") for c in r) + "\n" for r in rows)
    )
    return text.map(lambda t: t.encode("utf-8", "surrogatepass")) | st.binary(max_size=300)


def fhir_documents() -> st.SearchStrategy[bytes]:
    """A FHIR lab document with fuzzed parts, or JSON of another shape, or no JSON at all."""
    observation = st.fixed_dictionaries({
        "resourceType": st.sampled_from(("Observation", "Patient", "")) | trouble,
        "status": st.sampled_from(("final", "preliminary")) | trouble,
        "code": st.fixed_dictionaries({"coding": st.lists(st.fixed_dictionaries({
            "system": st.sampled_from(("http://loinc.org", "https://cutis.invalid/fhir/CodeSystem/lab")),
            "code": choice(NUMERIC_CODES) | trouble}), max_size=2)}),
        "effectiveDateTime": dates_near_today() | trouble,
        "valueQuantity": st.fixed_dictionaries({"value": st.floats(allow_nan=False) | trouble,
                                                "unit": choice(UNITS) | trouble}),
    })
    bundle = st.lists(observation, max_size=4).map(
        lambda entries: {"resourceType": "Bundle", "type": "collection",
                         "entry": [{"resource": e} for e in entries]})
    import json

    return bundle.map(lambda b: json.dumps(b).encode()) | st.binary(max_size=300)


def as_file(name: str) -> Callable[[bytes], SimpleUploadedFile]:
    return lambda content: SimpleUploadedFile(name, content)


# pages that take a file or make a secret: the answer is a report or the secret, not a redirect
UPLOADS: dict[str, FormPage] = {
    "clinic:lab_csv_import": FormPage(
        lambda r: [], {"file": csv_rows().map(as_file("labs.csv"))}, readers=("clinic:dog_detail",)
    ),
    "clinic:dog_fhir_import": FormPage(
        dog, {"file": fhir_documents().map(as_file("labs.json"))}, readers=("clinic:dog_detail",)
    ),
    "api_tokens:list": FormPage(
        lambda r: [], {"name": value_of(st.text(max_size=120))}, readers=("clinic:dog_detail",)
    ),
}


@pytest.mark.parametrize("name", sorted(UPLOADS))
def test_an_upload_or_token_form_never_fails_and_keeps_what_is_stored_on_refusal(
    name: str, records: Records, vet_a: Any
) -> None:
    page = UPLOADS[name]

    def check(client: Client, response: Any, changed: Callable[[], bool]) -> None:
        assert response.status_code in (200, 302), response.status_code
        form = (response.context or {}).get("form") if response.status_code == 200 else None
        if form is not None and form.errors:
            assert not changed(), "a refused upload changed what is stored"
        assert_readers_open(client, page, records)

    fuzz_posts(name, page, records, vet_a, check)


# pages that take a POST without any field: there is nothing to fuzz
TAKES_NO_INPUT = {"clinic:assessment_save", "clinic:monitoring_generate", "api_tokens:revoke",
                  "logout"}
# Django's own sign-in form: wrong credentials and lockout are tests/web/test_login_safety.py's
NOT_OURS = {"login"}


def test_every_clinic_page_taking_a_post_is_fuzzed(records: Records, vet_a: Any) -> None:
    """A new form is fuzzed from the day it is added: a page taking a POST must be in a table."""
    from tests.web.test_permissions import PAGES

    taking_posts = set()
    for name, (arguments, _kind) in PAGES.items():
        # a client of its own per page: signing out ends the session of the client that posts
        client = client_for(vet_a)
        with transaction.atomic():
            if client.post(reverse(name, kwargs=arguments(records.dog))).status_code != 405:
                taking_posts.add(name)
            transaction.set_rollback(True)
    fuzzed = set(FORMS) | set(ACTIONS) | set(UPLOADS)
    assert taking_posts - TAKES_NO_INPUT - NOT_OURS - fuzzed == set()
    assert taking_posts >= TAKES_NO_INPUT | NOT_OURS
