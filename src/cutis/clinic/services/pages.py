"""The dog's page, its assessment page and its dashboard alerts, rebuilt only when its record changes.

Every write to a dog's record (the dog itself, its owners, visits, lesions, labs, photos, plan,
monitoring, saved assessments, and any later model that points at one of them) gives the dog a new
random `record_stamp` inside the same transaction. A rendered page body is cached under the dog,
its stamp, the day (monitoring states and ages change at midnight), the viewer's variant (a vet
sees prescribing buttons a nurse does not) and a fingerprint of the code and knowledge that drew
it. A request then costs the session, the user and the dog: what the body needs is read only when
the record has changed since it was last drawn.

The stamp is random, not a counter, so that a save of a dog loaded before another write (which
writes its old stamp back) can never bring back a key whose body shows other data.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cutis import ENGINE_VERSION
from cutis.clinic.models import Clinic, Dog, Owner
from cutis.clinic.services.cases import knowledge

T = TypeVar("T")

# a body is drawn without the request; its forms carry this input, swapped for the viewer's token
CSRF_PLACEHOLDER = "cutis-csrf-placeholder"
_PLACEHOLDER_INPUT = f'<input type="hidden" name="csrfmiddlewaretoken" value="{CSRF_PLACEHOLDER}">'
# a day: a body is only ever valid for its day, and a stale stamp's body is never asked for again
BODY_TIMEOUT_SECONDS = 24 * 60 * 60


def new_stamp(dog_ids: Iterable[int | None]) -> None:
    """Mark these dogs' records as changed (an UPDATE: no history row, no recursion).

    A restore loads the stamps with the rows it restores (`clinic.backup`): none is renewed then.
    """
    if getattr(settings, "CUTIS_LOADING_BACKUP", False):
        return
    ids = {dog_id for dog_id in dog_ids if dog_id is not None}
    for dog_id in ids:
        Dog.objects.filter(pk=dog_id).update(record_stamp=secrets.randbits(62))


@cache
def fingerprint() -> str:
    """What else a body depends on: engine and knowledge versions and the templates' text."""
    digest = hashlib.sha256(f"{ENGINE_VERSION} {knowledge().version}".encode())
    for package in ("cutis.clinic", "cutis.portal", "cutis.web"):
        for template in sorted(_templates(resources.files(package) / "templates"), key=str):
            digest.update(str(template).encode())
            digest.update(template.read_bytes())
    return digest.hexdigest()[:16]


def _templates(folder: Any) -> Iterable[Any]:
    for entry in folder.iterdir():
        if entry.is_dir():
            yield from _templates(entry)
        elif entry.name.endswith(".html"):
            yield entry


def _record_key(dog: Dog, part: str, variant: str, day: str) -> str:
    """A cache key that changes with anything the dog's record, the code or the day changes."""
    created = str(dog.created.timestamp())
    return ":".join(
        ("page", fingerprint(), part, variant, str(dog.pk), created, str(dog.record_stamp), day)
    )


def cached_for_record(dog: Dog, part: str, variant: str, day: str, compute: Callable[[], T]) -> T:
    """What `compute` gives for this dog on this day, from the cache while the record is unchanged."""
    key = _record_key(dog, part, variant, day)
    page_cache = caches["pages"]
    found: T | None = page_cache.get(key)
    if found is None:
        found = compute()
        page_cache.set(key, found, BODY_TIMEOUT_SECONDS)
    return found


def cached_body(
    request: Any, dog: Dog, part: str, variant: str, day: str, draw: Callable[[], str]
) -> SafeString:
    """The body `draw` renders for this dog, from the cache while the record is unchanged."""
    body = cached_for_record(dog, part, variant, day, draw)
    if _PLACEHOLDER_INPUT in body:
        token = get_token(request)
        real_input = f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
        body = body.replace(_PLACEHOLDER_INPUT, real_input)
    return mark_safe(body)


# the templates' indentation: a line break and the blanks around it read as one space in HTML
# (no cached body holds <pre> or <textarea>, where they would not: a test keeps it so)
_INDENTATION = re.compile(r"[ \t]*\n\s*")


def draw(template: str, context: dict[str, Any]) -> str:
    """Render a body without the request; its CSRF inputs hold the placeholder."""
    html = render_to_string(template, {**context, "csrf_token": CSRF_PLACEHOLDER})
    return _INDENTATION.sub("\n", html)


# the site frame (header, navigation, sign-out form) is drawn once per viewer and kept with marks
# where the title, the CSRF token and the body go: raw "<" never comes out of escaped data, so no
# text a user typed can be taken for a mark
_TITLE_MARK = mark_safe("<cutis:title>")
_CSRF_MARK = mark_safe("<cutis:csrf>")
_BODY_MARK = mark_safe("<cutis:body>")


def framed(request: Any, title: str, body: SafeString) -> HttpResponse:
    """The body in the site frame: what `render(request, "clinic/framed.html", ...)` returns,
    without drawing the frame again for every request of the same viewer."""
    if len(get_messages(request)):  # a message shows once: this response draws the frame
        context = {"title": title, "body": body}
        return render(request, "clinic/framed.html", context)
    user = request.user
    staff = getattr(user, "staff", None)
    viewer = (user.pk, user.get_username(), staff and staff.role, staff and str(staff.clinic))
    key = "frame:" + fingerprint() + ":" + hashlib.sha256(repr(viewer).encode()).hexdigest()
    page_cache = caches["pages"]
    frame = page_cache.get(key)
    if frame is None:
        context = {"title": _TITLE_MARK, "body": _BODY_MARK, "csrf_token": _CSRF_MARK}
        frame = render_to_string("clinic/framed.html", context, request)
        page_cache.set(key, frame, BODY_TIMEOUT_SECONDS)
    head, tail = frame.replace(_TITLE_MARK, escape(title)).split(_BODY_MARK, 1)
    token = get_token(request)
    html = head.replace(_CSRF_MARK, token) + body + tail.replace(_CSRF_MARK, token)
    return HttpResponse(html)


# --- what counts as a write to a dog's record -------------------------------------------------


def record_paths() -> dict[type[models.Model], tuple[str, ...]]:
    """Each model whose rows belong to a dog's record, with the foreign keys leading to the dog.

    Found from the models themselves (one or two foreign-key steps), so a model added later by any
    app is covered without being listed; the audit-history copies are left out.
    """
    paths: dict[type[models.Model], tuple[str, ...]] = {}
    candidates = [m for m in apps.get_models() if not hasattr(m, "instance_type")]
    for model in candidates:
        if model is Dog:
            continue
        path = _path_to_dog(model, depth=3)
        if path is not None:
            paths[model] = path
    return paths


def _path_to_dog(model: type[models.Model], depth: int) -> tuple[str, ...] | None:
    if depth == 0:
        return None
    foreign_keys = [
        field
        for field in model._meta.get_fields()
        if isinstance(field, models.ForeignKey | models.OneToOneField)
        and not field.auto_created
        and field.related_model is not None
    ]
    for field in foreign_keys:
        if field.related_model is Dog:
            return (field.name,)
    for field in foreign_keys:
        related = field.related_model
        if related in (Clinic, Owner) or not isinstance(related, type):
            continue
        rest = _path_to_dog(related, depth - 1)
        if rest is not None:
            return (field.name, *rest)
    return None


def dog_id_of(instance: models.Model, path: tuple[str, ...]) -> int | None:
    """Follow the foreign keys from a row of the record to its dog's id."""
    current: Any = instance
    for name in path[:-1]:
        current = getattr(current, name, None)
        if current is None:
            return None
    dog_id: int | None = getattr(current, f"{path[-1]}_id", None)
    return dog_id


def _part_changed(
    sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any
) -> None:
    path = RECORD_PATHS.get(sender)
    if path is not None and not raw:
        new_stamp([dog_id_of(instance, path)])


def _dog_changed(sender: Any, instance: Dog, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        new_stamp([instance.pk])


def _owner_changed(sender: Any, instance: Owner, raw: bool = False, **kwargs: Any) -> None:
    if not raw and instance.pk:
        new_stamp(instance.dogs.values_list("pk", flat=True))


def _clinic_changed(sender: Any, instance: Clinic, raw: bool = False, **kwargs: Any) -> None:
    if not raw and instance.pk:
        new_stamp(instance.dogs.values_list("pk", flat=True))


def _owners_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if not action.startswith("post_"):
        return
    if reverse:  # owner.dogs.add(...): the dogs named, or all of the owner's on clear
        new_stamp(pk_set or instance.dogs.values_list("pk", flat=True))
    else:
        new_stamp([instance.pk])


RECORD_PATHS: dict[type[models.Model], tuple[str, ...]] = {}


def connect_record_signals() -> None:
    """Called once the apps are ready: every part of a record renews its dog's stamp."""
    RECORD_PATHS.update(record_paths())
    for model in RECORD_PATHS:
        post_save.connect(_part_changed, sender=model, dispatch_uid=f"stamp-save-{model._meta}")
        post_delete.connect(_part_changed, sender=model, dispatch_uid=f"stamp-del-{model._meta}")
    post_save.connect(_dog_changed, sender=Dog, dispatch_uid="stamp-dog")
    post_save.connect(_owner_changed, sender=Owner, dispatch_uid="stamp-owner")
    post_save.connect(_clinic_changed, sender=Clinic, dispatch_uid="stamp-clinic")
    m2m_changed.connect(_owners_changed, sender=Dog.owners.through, dispatch_uid="stamp-owners")
