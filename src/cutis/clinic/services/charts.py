"""Trends over time: the series a clinician follows in calcinosis cutis, and their SVG charts.

matplotlib is imported inside `chart_svg` only: it costs a third of a second and must never be
loaded by the clinical core, the CLI, or a page that draws no chart.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache

from cutis.clinic.models import Dog, Lesion, Observation
from cutis.clinic.services.cases import knowledge
from cutis.clinic.services.labs import citations, flag_for, number_text

BAND_ID = "reference-band"
# part of every cached chart's key: change it when chart_svg changes what it draws
CHART_DRAWING = "1"
CHART_CACHE_SECONDS = 24 * 3600
# matplotlib is not thread-safe and rc_context changes process-wide settings: one chart at a time
_DRAWING = threading.Lock()


@dataclass(frozen=True)
class Point:
    date: datetime.date
    value: float
    flag: str = ""

    @property
    def shown(self) -> str:
        return number_text(self.value)


@dataclass(frozen=True)
class Band:
    """The shaded range: a reference interval, or the safe side of a threshold."""

    low: float | None
    high: float | None
    label: str
    sources: str


@dataclass(frozen=True)
class Series:
    slug: str
    title: str
    unit: str
    points: list[Point]
    band: Band | None = None
    note: str = ""
    integer: bool = False
    empty_note: str = ""

    @property
    def axis_label(self) -> str:
        # the chart's title names the series; the axis carries its unit, kept short to fit
        return self.unit or self.title


def _lab_series(code: str) -> Callable[[Dog], Series]:
    def build(dog: Dog) -> Series:
        lab = knowledge().labs[code]
        points = [
            Point(o.date, o.value, flag_for(code, o.value))
            for o in _standing(dog, code)
            if o.value is not None
        ]
        return Series(
            code,
            lab["label"],
            lab["canonical_unit"],
            points,
            band=_lab_band(code),
            note=_note(code),
        )

    return build


def _note(code: str) -> str:
    unit = knowledge().labs[code]["canonical_unit"]
    return f"Values entered in another unit are shown converted to {unit}." if unit else ""


def _lab_band(code: str) -> Band | None:
    lab = knowledge().labs[code]
    interval = lab.get("reference_interval")
    if not interval:
        return None
    low, high = interval.get("low"), interval.get("high")
    shown = "–".join(number_text(v) for v in (low, high) if v is not None)
    return Band(
        low,
        high,
        f"reference interval {shown} {lab['canonical_unit']}".strip(),
        citations(interval.get("sources", [])),
    )


def _ca_x_p(dog: Dog) -> Series:
    # one product per date on which both were measured, from that day's latest of each
    calcium = {o.date: o.value for o in _standing(dog, "calcium_total") if o.value is not None}
    phosphorus = {o.date: o.value for o in _standing(dog, "phosphorus") if o.value is not None}
    threshold = knowledge().thresholds["ca_p_product_high"]
    limit = float(threshold["value"])
    points = [
        Point(day, round(calcium[day] * phosphorus[day], 1))
        for day in sorted(calcium.keys() & phosphorus.keys())
    ]
    points = [Point(p.date, p.value, "high" if p.value > limit else "") for p in points]
    band = Band(
        None,
        limit,
        f"below the threshold of {number_text(limit)} mg²/dL²",
        citations(threshold.get("sources", [])),
    )
    return Series(
        "ca_x_p",
        "calcium × phosphorus product",
        "mg²/dL²",
        points,
        band=band,
        note="Computed on each date with both a total calcium and a phosphorus result.",
        empty_note="It needs a total calcium and a phosphorus from the same date.",
    )


def _weight(dog: Dog) -> Series:
    points = [
        Point(visit.date, float(visit.weight_kg))
        for visit in dog.visits.filter(voided_at__isnull=True).order_by("date", "id")
    ]
    points += [Point(o.date, o.value) for o in _standing(dog, "weight") if o.value is not None]
    points.sort(key=lambda point: point.date)
    return Series("weight", "body weight", "kg", points, note="From visits and weight results.")


def _charted_visits(dog: Dog) -> dict[datetime.date, list[Lesion]]:
    lesions = (
        Lesion.objects.filter(visit__dog=dog, visit__voided_at__isnull=True, voided_at__isnull=True)
        .select_related("visit")
        .order_by("visit__date", "visit__id")
    )
    by_date: dict[datetime.date, list[Lesion]] = {}
    for lesion in lesions:
        by_date.setdefault(lesion.visit.date, []).append(lesion)
    return by_date


# a visit without lesion rows may simply not have been charted, so it is not drawn as zero
CHARTED_NOTE = "From visits at which lesions were charted."


def _lesion_count(dog: Dog) -> Series:
    points = [
        Point(day, float(sum(lesion.count for lesion in lesions)))
        for day, lesions in _charted_visits(dog).items()
    ]
    return Series("lesion_count", "lesion count", "", points, note=CHARTED_NOTE, integer=True)


def _affected_regions(dog: Dog) -> Series:
    points = [
        Point(day, float(len({lesion.region for lesion in lesions})))
        for day, lesions in _charted_visits(dog).items()
    ]
    return Series(
        "affected_regions", "affected body regions", "", points, note=CHARTED_NOTE, integer=True
    )


def _standing(dog: Dog, code: str) -> list[Observation]:
    return list(dog.observations.filter(code=code, voided_at__isnull=True).order_by("date", "id"))


SERIES: dict[str, Callable[[Dog], Series]] = {
    "calcium_total": _lab_series("calcium_total"),
    "calcium_ionized": _lab_series("calcium_ionized"),
    "phosphorus": _lab_series("phosphorus"),
    "ca_x_p": _ca_x_p,
    "creatinine": _lab_series("creatinine"),
    "cortisol_basal": _lab_series("cortisol_basal"),
    "acth_stim_post": _lab_series("acth_stim_post"),
    "weight": _weight,
    "lesion_count": _lesion_count,
    "affected_regions": _affected_regions,
}


def register_series(slug: str, build: Callable[[Dog], Series]) -> None:
    """Add a trend kept by another app (the owner portal's itch scores), shown after these."""
    SERIES[slug] = build


def trend_series(dog: Dog) -> list[Series]:
    """Every trend of the dog, in the order the trends page shows them."""
    return [build(dog) for build in SERIES.values()]


def series_for(dog: Dog, slug: str) -> Series | None:
    build = SERIES.get(slug)
    return build(dog) if build is not None else None


def cached_chart_svg(series: Series) -> bytes:
    """The series' chart from the cache, drawn and kept there the first time it is asked for.

    Drawing costs about 100 ms of matplotlib (the load test's slowest page). The key is a digest
    of everything drawn, so a new or voided result gives a new key: a chart is never stale.
    """
    digest = hashlib.sha256(f"{CHART_DRAWING}:{series!r}".encode()).hexdigest()
    key = f"trend-chart:{digest}"
    svg: bytes | None = cache.get(key)
    if svg is None:
        svg = chart_svg(series)
        cache.set(key, svg, CHART_CACHE_SECONDS)
    return svg


def chart_svg(series: Series) -> bytes:
    """The series as an SVG line chart with its band shaded; dates on x, the unit on y."""
    if not series.points:
        raise ValueError(f"{series.slug}: nothing recorded to draw")
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    # text stays text (small, searchable) and element ids are stable between renders
    with _DRAWING, matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "cutis"}):
        figure = Figure(figsize=(7.0, 2.8), layout="constrained")
        FigureCanvasSVG(figure)
        axes = figure.add_subplot()
        # days as matplotlib numbers: its date converter is not visible to the type checker
        dates = date2num([point.date for point in series.points])
        values = [point.value for point in series.points]
        if series.band is not None:
            top = max([*values, series.band.high or 0.0]) * 1.15
            low = series.band.low if series.band.low is not None else 0.0
            high = series.band.high if series.band.high is not None else top
            band = axes.axhspan(low, high, color="#2e7d32", alpha=0.15, linewidth=0)
            band.set_gid(BAND_ID)
            band.set_label(series.band.label)
        axes.plot(dates, values, marker="o", color="#1f6f8b", linewidth=1.5)
        flagged = [point for point in series.points if point.flag]
        if flagged:
            axes.plot(
                date2num([p.date for p in flagged]),
                [p.value for p in flagged],
                linestyle="none",
                marker="o",
                markersize=8,
                markerfacecolor="none",
                markeredgecolor="#b3261e",
                label="outside the band",
            )
        if dates.max() - dates.min() < 30:
            # a lone result (or a few close together) would otherwise span years of empty axis
            middle = float(dates.min() + dates.max()) / 2
            axes.set_xlim(middle - 30, middle + 30)
        # a date typed near the year 1 (or 9999) is kept as typed: its margin must not run the
        # axis past the years matplotlib can draw
        first, last = axes.get_xlim()
        axes.set_xlim(
            max(first, date2num(datetime.date(1, 1, 1))),
            min(last, date2num(datetime.date(9999, 12, 31))),
        )
        locator = AutoDateLocator(minticks=2, maxticks=7)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        if series.integer:
            axes.yaxis.set_major_locator(MaxNLocator(integer=True))
            axes.set_ylim(bottom=0)
        axes.set_ylabel(series.axis_label)
        axes.set_xlabel("date")
        axes.set_title(
            f"{series.title} ({series.unit})" if series.unit else series.title,
            loc="left",
            fontsize="medium",
        )
        axes.grid(axis="y", color="#d8dee6", linewidth=0.6)
        if series.band is not None or flagged:
            axes.legend(loc="best", fontsize="small", frameon=False)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
