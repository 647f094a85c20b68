"""Nothing lost: gunicorn killed with SIGKILL in the middle of writes keeps every write it answered.

Two writers, each signed in as the demo vet and as the demo owner, post lab results and photo
uploads through the clinic's forms, lab results through the API with the vet's token, and task
completions and itch scores with a photo through the owner portal's, while, at a random moment, the whole gunicorn process group (master and workers)
is killed with SIGKILL. After KILLS rounds the server is started once more and every write that received its
redirect (the acknowledgement) must be in the database exactly once and intact: the lab value as
typed, with its history row (whether it came by form or by the API); the photo's pixels as uploaded, its files whole and served by the
scoped view; the done mark once, however often it was tapped; the itch score with its photo. Writes cut off before their answer may be there or not, but never half there. The
database must then pass its engine's integrity checks.

WRITE_ACTIONS is the table of writes: add a row for each new kind with who sends it, how it is
sent and how it is found again.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import random
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

import pytest
from PIL import Image

from bench.bench_web import Client, biscuit_id
from cutis.clinic.storage import PARTIAL_PREFIX
from tests.reliability.server import Server, Store, load_demo, server_env, throwaway_store

pytestmark = pytest.mark.fault

KILLS = 3
WRITERS = 2
KILL_AFTER_SECONDS = (0.5, 2.0)  # a random moment in this window, once writes are flowing
TODAY = date.today().isoformat()


def csrf_headers(client: Client) -> dict[str, str]:
    # the CSRF cookie's secret is accepted in the header as it is in the form field
    return {"X-CSRFToken": client.cookies["csrftoken"]}


def post_form(client: Client, path: str, fields: dict[str, str]) -> int:
    headers = csrf_headers(client) | {"Content-Type": "application/x-www-form-urlencoded"}
    status, _headers, _body = client.request(
        "POST", path, body=urllib.parse.urlencode(fields), headers=headers
    )
    return status


def post_file(
    client: Client,
    path: str,
    fields: dict[str, str],
    name: str,
    content: bytes,
    field: str = "image",
) -> int:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = csrf_headers(client) | {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    status, _headers, _body = client.request("POST", path, body=b"".join(parts), headers=headers)
    return status


# --- lab results: a total calcium in mg/dL, each write a different value


def lab_value(number: int) -> str:
    return f"{9 + number / 1000:.3f}"


def send_lab_value(client: Client, dog: int, number: int) -> tuple[int, str]:
    value = lab_value(number)
    fields = {"code": "calcium_total", "value": value, "unit": "mg/dL", "date": TODAY}
    status = post_form(client, f"/dogs/{dog}/labs/values/new/", fields)
    return status, f"calcium_total {value} mg/dL on {TODAY}, 1 history row"


def stored_lab_values(store: Store, dog: int, code: str = "calcium_total") -> Counter[str]:
    rows = store.rows(
        "SELECT o.code, o.value, o.unit, o.entered_value, o.entered_unit, o.date,"
        " (SELECT count(*) FROM clinic_historicalobservation h"
        "  WHERE h.id = o.id AND h.history_type = '+')"
        f" FROM clinic_observation o WHERE o.dog_id = {int(dog)} AND o.code = '{code}'"
    )
    found: Counter[str] = Counter()
    for code, value, unit, entered, entered_unit, on, history in rows:
        intact = abs(value - entered) < 1e-9 and unit == entered_unit
        shown = f"{code} {entered:.3f} {entered_unit} on {on}, {history} history row"
        found[shown if intact else f"ALTERED {shown} stored as {value} {unit}"] += 1
    return found


# --- lab results through the API: a phosphorus in mg/dL (so they are told from the form's), sent
# with the vet's bearer token, created once on the token page before the first round
API_TOKEN: list[str] = []
SECRET_ON_PAGE = re.compile(rb'<code class="secret">([^<]+)</code>')


def create_api_token(vet: Client) -> str:
    headers = csrf_headers(vet) | {"Content-Type": "application/x-www-form-urlencoded"}
    body = urllib.parse.urlencode({"name": "fault test"})
    status, _headers, page = vet.request("POST", "/account/api-tokens/", body=body, headers=headers)
    shown = SECRET_ON_PAGE.search(page)
    assert status == 200 and shown, status
    return shown.group(1).decode()


def send_api_lab_value(client: Client, dog: int, number: int) -> tuple[int, str]:
    value = f"{3 + number / 1000:.3f}"
    body = json.dumps(
        {"code": "phosphorus", "value": float(value), "unit": "mg/dL", "date": TODAY}
    )
    headers = {"Authorization": f"Bearer {API_TOKEN[0]}", "Content-Type": "application/json"}
    status, _headers, _body = client.request(
        "POST", f"/api/v1/dogs/{dog}/observations/values", body=body, headers=headers
    )
    return status, f"phosphorus {value} mg/dL on {TODAY}, 1 history row"


def stored_api_lab_values(store: Store, dog: int) -> Counter[str]:
    return stored_lab_values(store, dog, "phosphorus")


# --- photo uploads: a PNG (lossless, so the stored pixels must equal the sent ones)


def photo_png(number: int) -> tuple[bytes, str]:
    rng = random.Random(number)
    image = Image.new("RGB", (48, 36))
    image.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(48 * 36)])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue(), hashlib.sha256(image.tobytes()).hexdigest()


def pixels_of(path: Path) -> str:
    with Image.open(path) as image:
        image.load()
        return hashlib.sha256(image.convert("RGB").tobytes()).hexdigest()


def send_photo(client: Client, dog: int, number: int) -> tuple[int, str]:
    content, pixels = photo_png(10_000 + number)
    fields = {"region": "back", "taken_on": TODAY, "visit": ""}
    status = post_file(client, f"/dogs/{dog}/photos/new/", fields, f"lesion-{number}.png", content)
    return status, f"photo with pixels {pixels}"


def photo_files(store: Store, dog: int, uploaded_by: str) -> Counter[str]:
    """Pixels of every photo record this user uploaded; a missing, partial or broken file says so."""
    found: Counter[str] = Counter()
    for image, thumbnail in store.rows(
        "SELECT p.image, p.thumbnail FROM clinic_photo p JOIN auth_user u ON u.id = p.uploaded_by_id"
        f" WHERE p.dog_id = {int(dog)} AND u.username = '{uploaded_by}'"
    ):
        problems = [
            name
            for name in (image, thumbnail)
            if Path(name).name.startswith(PARTIAL_PREFIX) or not (store.media / name).is_file()
        ]
        try:
            pixels = pixels_of(store.media / image)
            with Image.open(store.media / thumbnail) as small:
                small.load()
        except OSError as error:
            problems.append(f"{image}: {error}")
        found[f"BROKEN photo {problems}" if problems else pixels] += 1
    return found


def stored_photos(store: Store, dog: int) -> Counter[str]:
    return Counter(
        {
            key if key.startswith("BROKEN") else f"photo with pixels {key}": count
            for key, count in photo_files(store, dog, "vet").items()
        }
    )


# --- the owner's done marks: each write taps one of the tasks due, a second tap keeps the first
# mark, so the tasks are fewer than the writes; filled by `due_care` before the first round
DUE_CARE: list[dict[str, str]] = []
# the demo's home care starts today: started a week ago, it leaves missed days to mark as well
HOME_CARE = ("antimicrobial_bathing", "topical_dmso", "protective_garment")
HIDDEN_FIELD = re.compile(rb'name="(item|task|day|slot)" value="([^"]*)"')


def start_home_care_a_week_ago(vet: Client, store: Store, dog: int) -> None:
    started = (date.today() - timedelta(days=7)).isoformat()
    treatments = ", ".join(f"'{name}'" for name in HOME_CARE)
    for (item,) in store.rows(
        f"SELECT id FROM clinic_planitem WHERE dog_id = {int(dog)} AND treatment IN ({treatments})"
    ):
        fields = {
            "start": started,
            "end": "",
            "interval_hours": "",
            "route": "",
            "instructions": "",
            "action": "save",
        }
        assert post_form(vet, f"/dogs/{dog}/plan/{item}/edit/", fields) == 302


def due_care(owner: Client, dog: int) -> list[dict[str, str]]:
    """The tasks the owner's page offers to mark done for this dog, today's and missed."""
    status, page = owner.get("/owner/")
    assert status == 200
    forms = page.split(f'action="/owner/dogs/{dog}/done/">'.encode())[1:]
    return [
        {
            name.decode(): value.decode()
            for name, value in HIDDEN_FIELD.findall(form.split(b"</form>")[0])
        }
        for form in forms
    ]


def done_mark(item: str, task: str, day: str, slot: str) -> str:
    return f"{task} of plan item {item} on {day} slot {slot} by owner, 1 history row"


def send_task_done(client: Client, dog: int, number: int) -> tuple[int, str]:
    fields = DUE_CARE[(number // len(WRITE_ACTIONS)) % len(DUE_CARE)]
    status = post_form(client, f"/owner/dogs/{dog}/done/", fields)
    return status, done_mark(**fields)


def stored_done_marks(store: Store, dog: int) -> Counter[str]:
    rows = store.rows(
        "SELECT d.plan_item_id, d.task, d.day, d.slot, u.username,"
        " (SELECT count(*) FROM portal_historicalcaredone h"
        "  WHERE h.id = d.id AND h.history_type = '+')"
        " FROM portal_caredone d JOIN auth_user u ON u.id = d.done_by_id"
        f" WHERE d.dog_id = {int(dog)}"
    )
    return Counter(
        f"{task} of plan item {item} on {day} slot {slot} by {who}, {history} history row"
        for item, task, day, slot, who, history in rows
    )


# --- the owner's diary: an itch score with a photo from the phone, stored both or neither; the
# note names the photo's pixels, so each score is matched with its own photo


def send_itch_with_photo(client: Client, dog: int, number: int) -> tuple[int, str]:
    content, pixels = photo_png(50_000 + number)
    score, note = number % 11, f"write {number}, photo {pixels}"
    fields = {"score": str(score), "day": TODAY, "note": note}
    status = post_file(
        client, f"/owner/dogs/{dog}/diary/", fields, f"itch-{number}.png", content, "photo"
    )
    return status, f"itch {score} on {TODAY} ({note}) with its photo"


def stored_itch_with_photos(store: Store, dog: int) -> Counter[str]:
    photos = photo_files(store, dog, "owner")
    found: Counter[str] = Counter(
        {f"BROKEN {key}": count for key, count in photos.items() if key.startswith("BROKEN")}
    )
    for score, day, note in store.rows(
        f"SELECT score, day, note FROM portal_itchscore WHERE dog_id = {int(dog)}"
    ):
        pixels = note.rpartition("photo ")[2]
        if photos[pixels] > 0:
            photos[pixels] -= 1
            found[f"itch {score} on {day} ({note}) with its photo"] += 1
        else:
            found[f"BROKEN itch {score} on {day} ({note}) without its photo"] += 1
    for pixels, count in (+photos).items():
        if not pixels.startswith("BROKEN"):
            found[f"BROKEN photo {pixels} without its itch score"] += count
    return found


class WriteAction(NamedTuple):
    name: str
    who: str  # the demo user who sends it
    # (client, dog id, write number) -> (HTTP status, how the write reads once stored)
    send: Callable[[Client, int, int], tuple[int, str]]
    # (store, dog id) -> how every stored write of this kind reads, counted
    stored: Callable[[Store, int], Counter[str]]


WRITE_ACTIONS = [
    WriteAction("lab result", "vet", send_lab_value, stored_lab_values),
    WriteAction("lab result by API", "api", send_api_lab_value, stored_api_lab_values),
    WriteAction("photo upload", "vet", send_photo, stored_photos),
    WriteAction("task done", "owner", send_task_done, stored_done_marks),
    WriteAction("itch score with photo", "owner", send_itch_with_photo, stored_itch_with_photos),
]
# a second tap of the same task is acknowledged and keeps the one mark: counted once
TAPPED_AGAIN = {"task done"}
# the forms answer a write with a redirect, the API with 201 Created
ACKNOWLEDGED = (201, 302, 303)


class Ledger:
    """What was sent, and which writes the server acknowledged, from every writer thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.next_number = 0
        self.acknowledged: dict[str, Counter[str]] = {a.name: Counter() for a in WRITE_ACTIONS}
        self.unanswered: dict[str, Counter[str]] = {a.name: Counter() for a in WRITE_ACTIONS}
        self.refused: list[str] = []

    def number(self) -> int:
        with self.lock:
            self.next_number += 1
            return self.next_number


def write_until_killed(clients: dict[str, Client], dog: int, ledger: Ledger) -> None:
    """Write until the server stops answering; the last write is usually cut off mid-request."""
    try:
        while True:
            number = ledger.number()
            action = WRITE_ACTIONS[number % len(WRITE_ACTIONS)]
            try:
                status, expected = action.send(clients[action.who], dog, number)
            except (OSError, http.client.HTTPException):
                # killed before the answer: the write may or may not have been committed
                with ledger.lock:
                    ledger.unanswered[action.name][f"#{number}"] += 1
                return
            with ledger.lock:
                if status in ACKNOWLEDGED and action.name in TAPPED_AGAIN:
                    ledger.acknowledged[action.name][expected] = 1
                elif status in ACKNOWLEDGED:
                    ledger.acknowledged[action.name][expected] += 1
                else:
                    ledger.refused.append(f"{action.name} #{number}: {status}")
    finally:
        for client in clients.values():
            client.close()


def answered(ledger: Ledger) -> int:
    with ledger.lock:
        return sum(sum(counts.values()) for counts in ledger.acknowledged.values())


def client_of(server: Server, who: str) -> Client:
    """A signed-in client of the demo user, or for "api" one with no session (the token is sent
    with each request)."""
    return Client(server.port) if who == "api" else server.signed_in_client(who)


def one_round(server: Server, dog: int, ledger: Ledger, rng: random.Random) -> None:
    """Start the server, write from WRITERS clients, SIGKILL everything at a random moment."""
    server.start()
    users = {action.who for action in WRITE_ACTIONS}
    clients = [{who: client_of(server, who) for who in users} for _ in range(WRITERS)]
    before = answered(ledger)
    writers = [
        threading.Thread(target=write_until_killed, args=(signed_in, dog, ledger))
        for signed_in in clients
    ]
    for writer in writers:
        writer.start()
    deadline = time.monotonic() + 30
    while answered(ledger) == before and time.monotonic() < deadline:
        time.sleep(0.02)  # the kill waits until writes are flowing
    time.sleep(rng.uniform(*KILL_AFTER_SECONDS))
    server.kill()
    for writer in writers:
        writer.join(timeout=30)


def served_pixels(client: Client, dog: int) -> tuple[Counter[str], int]:
    """The pixels of every photo on the dog's photo page, fetched through the scoped view."""
    status, page = client.get(f"/dogs/{dog}/photos/")
    assert status == 200
    found: Counter[str] = Counter()
    ids = sorted(set(re.findall(rb"/photos/(\d+)/image/", page)))
    for photo_id in ids:
        status, content = client.get(f"/dogs/{dog}/photos/{int(photo_id)}/image/")
        assert status == 200
        with Image.open(io.BytesIO(content)) as image:
            found[hashlib.sha256(image.convert("RGB").tobytes()).hexdigest()] += 1
    return found, len(ids)


def sweep_media(store: Store) -> str:
    """`cutis sweep-media --grace-minutes 0` on the stopped server's instance: its summary."""
    sweep = subprocess.run(
        [str(Path(sys.executable).parent / "cutis"), "sweep-media", "--grace-minutes", "0"],
        env=server_env(store), capture_output=True, text=True, timeout=300,
    )
    assert sweep.returncode == 0, sweep.stderr
    return sweep.stdout.strip().splitlines()[-1]


def test_every_acknowledged_write_survives_sigkill_of_the_server(tmp_path: Path) -> None:
    rng = random.Random()
    with throwaway_store(tmp_path, "rel_fault_nothing_lost") as store:
        load_demo(store)
        server = Server(store, tmp_path / "gunicorn.log")
        server.start()
        client = server.signed_in_client()
        dog = biscuit_id(client)
        start_home_care_a_week_ago(client, store, dog)
        API_TOKEN[:] = [create_api_token(client)]
        client.close()
        owner = server.signed_in_client("owner")
        DUE_CARE[:] = due_care(owner, dog)
        owner.close()
        assert len(DUE_CARE) > KILLS, DUE_CARE
        before = {a.name: a.stored(store, dog) for a in WRITE_ACTIONS}
        server.kill()

        ledger = Ledger()
        for _ in range(KILLS):
            one_round(server, dog, ledger, rng)

        assert ledger.refused == []
        # each kill cut at least one write off mid-request, or the test proved nothing
        assert sum(sum(cut.values()) for cut in ledger.unanswered.values()) >= KILLS
        assert store.integrity_problems() == []
        # what the kills cut off is swept (no grace: nothing is in flight); every check below then
        # proves the sweep took nothing a record names
        swept = sweep_media(store)
        assert not [p for p in store.media.rglob("*") if p.name.startswith(PARTIAL_PREFIX)]
        for action in WRITE_ACTIONS:
            stored = action.stored(store, dog) - before[action.name]
            assert [key for key in stored if "BROKEN" in key or "ALTERED" in key] == []
            acknowledged = ledger.acknowledged[action.name]
            assert sum(acknowledged.values()) >= KILLS, f"too few {action.name} writes to judge"
            missing = acknowledged - stored
            assert missing == Counter(), f"{action.name}: acknowledged but not stored"
            # nothing stored twice, and nothing stored that was never sent
            unanswered = sum(ledger.unanswered[action.name].values())
            assert sum(stored.values()) - sum(acknowledged.values()) in range(unanswered + 1)
            assert all(stored[key] == count for key, count in acknowledged.items())

        # after the last kill the server comes back and serves every photo through its view
        server.start()
        try:
            client = server.signed_in_client()
            pixels, listed = served_pixels(client, dog)
            uploaded = ledger.acknowledged["photo upload"]
            for key, count in uploaded.items():
                assert pixels[key.removeprefix("photo with pixels ")] == count
            name = store.rows(f"SELECT image FROM clinic_photo WHERE dog_id = {dog} LIMIT 1")[0][0]
            assert client.get(f"/media/{name}")[0] == 404
            client.close()
        finally:
            server.kill()
        report = {
            name: (sum(counts.values()), sum(ledger.unanswered[name].values()))
            for name, counts in ledger.acknowledged.items()
        }
        print(
            f"{store.engine}: {KILLS} kills; (acknowledged, cut off) per write: {report}; "
            f"{listed} photos served intact; {len(DUE_CARE)} tasks due to tap; sweep: {swept}"
        )
