"""CDS Hooks 1.0: Cutis's advice as cards inside another practice system.

`GET /cds-services` lists the one service; `POST /cds-services/cutis-patient-view` (hook
`patient-view`) answers with cards built from the clinical core's assessment of the dog named by
`context.patientId` (the Cutis dog id). The caller authenticates with a Cutis API token and sees
only the dogs that token's user sees. Each alert becomes a card whose indicator is its severity;
one more card sums up suspicion, form and the most likely cause.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import NinjaAPI, Router, Schema
from pydantic import Field
from pydantic import StringConstraints as Text

from cutis import InvalidCase
from cutis.api import errors
from cutis.api.auth import TokenAuth
from cutis.api.errors import Problem, Refusal
from cutis.api.fields import MAX_ID, NO_NUL, OneOf
from cutis.api.scope import caller
from cutis.clinic.models import Dog
from cutis.clinic.services.assessment import words
from cutis.clinic.services.cases import assess_dog

SERVICE_ID = "cutis-patient-view"
HOOK = "patient-view"
SUMMARY_LIMIT = 140  # CDS Hooks: "<140-character summary message for display to the user"
SOURCE_LABEL = "Cutis (calcinosis cutis decision support)"
INDICATORS = {"critical": "critical", "warning": "warning", "info": "info"}

Identifier = Annotated[str, Text(min_length=1, max_length=200, pattern=NO_NUL)]


class Service(Schema):
    hook: str
    id: str
    title: str
    description: str


class Discovery(Schema):
    services: list[Service]


class PatientViewContext(Schema):
    userId: Identifier = Field(description="The FHIR id of the user in the calling system")
    patientId: Identifier = Field(description="The Cutis dog id")
    encounterId: Identifier | None = None


class HookRequest(Schema):
    hook: Annotated[str, OneOf((HOOK,))]
    hookInstance: Identifier
    context: PatientViewContext
    fhirServer: Annotated[str, Text(max_length=2000, pattern=NO_NUL)] | None = None
    fhirAuthorization: dict[str, Any] | None = None
    prefetch: dict[str, Any] | None = None


class Source(Schema):
    label: str
    url: str


class Link(Schema):
    label: str
    url: str
    type: str


class Card(Schema):
    uuid: str
    summary: Annotated[str, Field(max_length=SUMMARY_LIMIT)]
    detail: str
    indicator: Annotated[str, OneOf(tuple(INDICATORS.values()))]
    source: Source
    links: list[Link]


class Cards(Schema):
    cards: list[Card]


def summary_of(text: str) -> str:
    """The text cut at a word to fit a card's summary, marked as cut."""
    text = " ".join(text.split())
    if len(text) <= SUMMARY_LIMIT:
        return text
    cut = text[: SUMMARY_LIMIT - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return f"{cut}…"


def _reasons(because: list[dict[str, Any]]) -> str:
    lines = []
    for reason in because:
        sources = ", ".join(reason.get("sources", []))
        lines.append(f"- {reason['text']}" + (f" (sources: {sources})" if sources else ""))
    return "\n".join(lines)


def cards_for(dog: Dog, assessment: dict[str, Any], page: str) -> list[dict[str, Any]]:
    """One card per alert, most severe first as the core orders them, then the overview card."""
    source = {"label": SOURCE_LABEL, "url": page}
    links = [{"label": f"Open {dog.name}'s assessment in Cutis", "url": page, "type": "absolute"}]

    def card(summary: str, detail: str, indicator: str) -> dict[str, Any]:
        return {
            "uuid": str(uuid.uuid4()),
            "summary": summary_of(summary),
            "detail": detail,
            "indicator": indicator,
            "source": source,
            "links": links,
        }

    cards = [
        card(
            alert["message"],
            _reasons(alert["because"]),
            INDICATORS.get(alert["severity"], "warning"),
        )
        for alert in assessment["alerts"]
    ]
    suspicion, form = assessment["suspicion"], assessment["form"]
    overview = f"Calcinosis cutis suspicion {suspicion['level']}, form {words(form['id'])}"
    if assessment["causes"]:
        cause = assessment["causes"][0]
        overview += f"; most likely cause {words(cause['id'])} ({cause['likelihood']})"
    stamp = (
        f"Assessed on {assessment['assessed_on']} by Cutis engine {assessment['engine_version']}, "
        f"knowledge {assessment['knowledge_version']}."
    )
    cards.append(card(overview, f"{_reasons(suspicion['because'])}\n\n{stamp}", "info"))
    return cards


def incomplete_card(dog: Dog, error: InvalidCase, page: str) -> dict[str, Any]:
    problems = "\n".join(f"- {problem}" for problem in error.problems)
    return {
        "uuid": str(uuid.uuid4()),
        "summary": summary_of(f"Cutis cannot assess {dog.name} yet: the record is incomplete"),
        "detail": f"Complete the record in Cutis:\n{problems}",
        "indicator": "warning",
        "source": {"label": SOURCE_LABEL, "url": page},
        "links": [{"label": "Open the record in Cutis", "url": page, "type": "absolute"}],
    }


router = Router(tags=["cds-hooks"])


@router.get("/cds-services", response=Discovery, auth=None, operation_id="cds_discovery")
def discovery(request: HttpRequest) -> Any:
    """The CDS Hooks discovery document (no token needed: it names no patient)."""
    return {
        "services": [
            {
                "hook": HOOK,
                "id": SERVICE_ID,
                "title": "Cutis calcinosis cutis advice",
                "description": (
                    "Alerts (taper before stopping glucocorticoids, contraindications, urgent "
                    "hypercalcaemia), the suspicion of calcinosis cutis and its likely cause, "
                    "for the dog whose Cutis id is context.patientId."
                ),
            }
        ]
    }


@router.post(
    f"/cds-services/{SERVICE_ID}",
    response={200: Cards, 401: Problem, 404: Problem, 422: Refusal},
    operation_id="cds_patient_view",
)
def patient_view(request: HttpRequest, payload: HookRequest) -> Any:
    """Cards for the dog in context; 404 when the token's user cannot see that dog."""
    patient = payload.context.patientId
    # ASCII digits only: "³3" passes str.isdigit() and then fails int()
    if not re.fullmatch(r"[0-9]{1,19}", patient) or not 1 <= int(patient) <= MAX_ID:
        raise Http404("no such patient")
    dog = caller(request).dog(int(patient))
    page = request.build_absolute_uri(reverse("clinic:assessment", args=[dog.pk]))
    try:
        _case, assessment = assess_dog(dog, timezone.localdate())
    except InvalidCase as error:
        return {"cards": [incomplete_card(dog, error, page)]}
    return {"cards": cards_for(dog, assessment, page)}


cds = NinjaAPI(
    title="Cutis CDS Hooks service",
    version="1",
    description="CDS Hooks 1.0 discovery and the patient-view service. Bearer token as for the API.",
    auth=TokenAuth(),
    urls_namespace="cds",
    openapi_url="/cds-services/openapi.json",
    docs_url=None,
)
errors.install(cds)
cds.add_router("", router)
