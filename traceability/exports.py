"""Exports for auditors: growing areas, lots, inspections and violations as tables
(CSV and XLSX from one definition each), and growing areas as GeoJSON for GIS tools.

A ``Table`` says which rows an export reads (with the joins and prefetches that keep
its query count independent of its size), which filters it takes and, per column, a
translated header and how the value is read from a row. The writers below turn the
same definition into CSV or XLSX, so the two formats cannot drift apart.

Values are read as Python values (text, numbers, dates, aware datetimes, booleans,
lists) and rendered per format: times in Asia/Ho_Chi_Minh (``+07:00`` in CSV, a
plain local date-time cell in XLSX, which has no time zones), decimals with a dot,
lists joined by ``"; "``. Every text cell is neutralised against spreadsheet formula
injection (OWASP "CSV injection"): text starting with ``= + - @``, their full-width
forms, a tab or a line break gets a leading apostrophe, in CSV and in XLSX alike.
Status and result columns hold the stable codes (``active``, ``failed``), the same
values the ``status`` filter takes.
"""

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from shapely.geometry import mapping, shape
from shapely.geometry.polygon import orient

from market.core.errors import InvalidInput, NotFound
from market.core.graphql.node import parse_global_id
from market.sellers.models import Seller
from traceability.models import Inspection, Lot, LotInput, Site, Violation

# The department's clock, whatever the server's TIME_ZONE says.
EXPORT_TIME_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# Rows read per query (and per prefetch): memory stays flat on large tables.
CHUNK_SIZE = 2000
# Rows written per chunk of a streamed answer.
ROWS_PER_WRITE = 200
# Excel's limit for one cell; longer text makes the file need "repair".
XLSX_CELL_MAX = 32_767
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FILTER_NAMES = ("status", "seller", "since", "until")


def neutralise(text: str) -> str:
    """Text a spreadsheet will show as text, never evaluate as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


@dataclass(frozen=True)
class Column:
    header: Any  # a lazy translation, read in the request's language
    read: Callable[[Any], Any]


@dataclass(frozen=True)
class Filters:
    statuses: tuple[str, ...] = ()
    seller_id: int | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class Table:
    name: str  # the file's stem: areas.csv
    title: Any  # the XLSX sheet's name
    columns: tuple[Column, ...]
    source: Callable[[], QuerySet]
    seller_path: str  # lookup from a row to its seller
    date_path: str  # what since/until narrow: a date or a date-time column
    # ``status`` filter value → condition; several values are OR-ed.
    statuses: dict[str, Q] = field(default_factory=dict)

    @cached_property
    def date_is_datetime(self) -> bool:
        field = self.source().model._meta.get_field(self.date_path)
        return isinstance(field, models.DateTimeField)

    def headers(self) -> list[str]:
        return [str(column.header) for column in self.columns]

    def narrow(self, queryset: QuerySet, filters: Filters) -> QuerySet:
        if filters.statuses:
            condition = Q()
            for status in filters.statuses:
                condition |= self.statuses[status]
            queryset = queryset.filter(condition)
        if filters.seller_id is not None:
            queryset = queryset.filter(**{f"{self.seller_path}_id": filters.seller_id})
        if filters.since is not None:
            queryset = queryset.filter(**{f"{self.date_path}__gte": self._bound(filters.since)})
        if filters.until is not None:
            if self.date_is_datetime:
                # Up to the end of that day in Vietnam: before the next local midnight.
                end = self._bound(filters.until + timedelta(days=1))
                queryset = queryset.filter(**{f"{self.date_path}__lt": end})
            else:
                queryset = queryset.filter(**{f"{self.date_path}__lte": filters.until})
        return queryset

    def rows(self, filters: Filters) -> Iterator[Any]:
        return self.narrow(self.source(), filters).iterator(chunk_size=CHUNK_SIZE)

    def _bound(self, day: date) -> date | datetime:
        if self.date_is_datetime:
            return datetime.combine(day, time.min, tzinfo=EXPORT_TIME_ZONE)
        return day


def _each_choice(column: str, choices) -> dict[str, Q]:
    """A ``status`` filter taking each value of the ``column`` that holds ``choices``."""
    return {value: Q(**{column: value}) for value in choices.values}


def _seller_name(row) -> str:
    return row.seller.name


def _user(user) -> str:
    return user.email if user is not None else ""


def _code(site) -> str:
    return site.code if site is not None else ""


def _certificates(site) -> list[str]:
    return [
        f"{certificate.get_scheme_display()} {certificate.number} "
        f"({certificate.valid_from.isoformat()} – {certificate.valid_until.isoformat()})"
        for certificate in site.gap_certificates.all()
    ]


def _growing_areas() -> QuerySet:
    return (
        Site.objects.filter(kind=Site.Kind.GROWING_AREA)
        .select_related("seller")
        .prefetch_related("gap_certificates")
        .order_by("code")
    )


def _lots() -> QuerySet:
    inputs = LotInput.objects.select_related("source").order_by("source__code")
    return (
        Lot.objects.select_related("seller", "product", "growing_area", "packing_house")
        .prefetch_related(Prefetch("inputs", queryset=inputs))
        .order_by("code")
    )


def _inspections() -> QuerySet:
    return (
        Inspection.objects.select_related("site__seller", "recorded_by")
        .annotate(photo_count=Count("photos"))
        .order_by("-inspected_on", "-pk")
    )


def _violations() -> QuerySet:
    return Violation.objects.select_related(
        "site__seller", "lot", "inspection", "spraying", "closed_by"
    ).order_by("-opened_at", "-pk")


AREAS = Table(
    name="areas",
    title=gettext_lazy("Growing areas"),
    columns=(
        Column(gettext_lazy("Growing area code"), lambda site: site.code),
        Column(gettext_lazy("Name"), lambda site: site.name),
        Column(gettext_lazy("Seller"), _seller_name),
        Column(gettext_lazy("Status"), lambda site: site.status),
        Column(gettext_lazy("Status changed at (Vietnam time)"), lambda s: s.status_changed_at),
        Column(gettext_lazy("Crops"), lambda site: site.crops),
        Column(gettext_lazy("Area (hectares)"), lambda site: site.area_hectares),
        Column(gettext_lazy("Street"), lambda site: site.street),
        Column(gettext_lazy("Ward or commune"), lambda site: site.ward),
        Column(gettext_lazy("Province"), lambda site: site.province),
        Column(gettext_lazy("Former district"), lambda site: site.former_district),
        Column(gettext_lazy("Latitude"), lambda site: site.latitude),
        Column(gettext_lazy("Longitude"), lambda site: site.longitude),
        Column(gettext_lazy("Has a boundary"), lambda site: site.boundary is not None),
        Column(gettext_lazy("GAP certificates"), _certificates),
        Column(gettext_lazy("Registered at (Vietnam time)"), lambda site: site.created_at),
    ),
    source=_growing_areas,
    seller_path="seller",
    date_path="created_at",
    statuses=_each_choice("status", Site.Status),
)

LOTS = Table(
    name="lots",
    title=gettext_lazy("Lots"),
    columns=(
        Column(gettext_lazy("Lot code"), lambda lot: lot.code),
        Column(gettext_lazy("Product"), lambda lot: lot.product.name),
        Column(gettext_lazy("Seller"), _seller_name),
        Column(gettext_lazy("Growing area code"), lambda lot: _code(lot.growing_area)),
        Column(gettext_lazy("Packing house code"), lambda lot: _code(lot.packing_house)),
        Column(
            gettext_lazy("Input lots"), lambda lot: [row.source.code for row in lot.inputs.all()]
        ),
        Column(gettext_lazy("Harvest date"), lambda lot: lot.harvest_date),
        Column(gettext_lazy("Harvested (kg)"), lambda lot: lot.harvested_kg),
        Column(gettext_lazy("Remaining (kg)"), lambda lot: lot.remaining_kg),
        Column(gettext_lazy("Best before"), lambda lot: lot.best_before),
        Column(gettext_lazy("GTIN"), lambda lot: lot.gtin),
        Column(gettext_lazy("Demo GTIN"), lambda lot: lot.gtin_is_demo),
        Column(gettext_lazy("Origin verified"), lambda lot: lot.origin_verified),
        Column(gettext_lazy("Origin problems"), lambda lot: lot.origin_problems),
        Column(gettext_lazy("Events"), lambda lot: lot.event_count),
        Column(gettext_lazy("Chain broken at (Vietnam time)"), lambda lot: lot.chain_broken_at),
        Column(gettext_lazy("Created at (Vietnam time)"), lambda lot: lot.created_at),
    ),
    source=_lots,
    seller_path="seller",
    date_path="harvest_date",
    statuses={"verified": Q(origin_verified=True), "unverified": Q(origin_verified=False)},
)

INSPECTIONS = Table(
    name="inspections",
    title=gettext_lazy("Inspections"),
    columns=(
        Column(gettext_lazy("Site code"), lambda row: row.site.code),
        Column(gettext_lazy("Site name"), lambda row: row.site.name),
        Column(gettext_lazy("Seller"), lambda row: row.site.seller.name),
        Column(gettext_lazy("Inspected on"), lambda row: row.inspected_on),
        Column(gettext_lazy("Inspector"), lambda row: row.inspector_name),
        Column(gettext_lazy("Result"), lambda row: row.result),
        Column(gettext_lazy("Findings"), lambda row: row.findings),
        Column(gettext_lazy("Photos"), lambda row: row.photo_count),
        Column(gettext_lazy("Recorded by"), lambda row: _user(row.recorded_by)),
        Column(gettext_lazy("Recorded at (Vietnam time)"), lambda row: row.created_at),
    ),
    source=_inspections,
    seller_path="site__seller",
    date_path="inspected_on",
    statuses=_each_choice("result", Inspection.Result),
)

VIOLATIONS = Table(
    name="violations",
    title=gettext_lazy("Violations"),
    columns=(
        Column(gettext_lazy("Site code"), lambda row: row.site.code),
        Column(gettext_lazy("Seller"), lambda row: row.site.seller.name),
        Column(gettext_lazy("Lot code"), lambda row: row.lot.code if row.lot else ""),
        Column(gettext_lazy("Kind"), lambda row: row.kind),
        Column(gettext_lazy("Status"), lambda row: row.status),
        Column(gettext_lazy("Details"), lambda row: row.details),
        Column(
            gettext_lazy("Inspection date"),
            lambda row: row.inspection.inspected_on if row.inspection else None,
        ),
        Column(
            gettext_lazy("Spraying product"),
            lambda row: row.spraying.product_name if row.spraying else "",
        ),
        Column(gettext_lazy("Opened at (Vietnam time)"), lambda row: row.opened_at),
        Column(gettext_lazy("Closed at (Vietnam time)"), lambda row: row.closed_at),
        Column(gettext_lazy("Closed by"), lambda row: _user(row.closed_by)),
        Column(gettext_lazy("Closing note"), lambda row: row.closing_note),
    ),
    source=_violations,
    seller_path="site__seller",
    date_path="opened_at",
    statuses=_each_choice("status", Violation.Status),
)

TABLES: dict[str, Table] = {table.name: table for table in (AREAS, LOTS, INSPECTIONS, VIOLATIONS)}


# Filters ------------------------------------------------------------------------------------


def parse_filters(table: Table, query: QueryDict) -> Filters:
    """The filters of a query string, or ``InvalidInput`` naming the bad one.

    ``status`` may repeat or list values with commas; ``seller`` is a Seller global ID
    or slug; ``since`` and ``until`` are dates (YYYY-MM-DD), both days included. An
    empty value counts as not given (an HTML form sends its empty fields).
    """
    for name in query:
        if name not in FILTER_NAMES:
            raise InvalidInput(_("Unknown filter %(name)r.") % {"name": name}, field=name)
    statuses = []
    for raw in query.getlist("status"):
        for value in filter(None, (part.strip() for part in raw.split(","))):
            if value not in table.statuses:
                raise InvalidInput(
                    _("Unknown value %(value)r in %(name)s.") % {"value": value, "name": "status"},
                    field="status",
                )
            if value not in statuses:
                statuses.append(value)
    seller = _single(query, "seller")
    since = _date(_single(query, "since"), "since")
    until = _date(_single(query, "until"), "until")
    if since and until and since > until:
        raise InvalidInput(_("since cannot be after until."), field="since")
    return Filters(
        statuses=tuple(statuses),
        seller_id=_seller_id(seller) if seller else None,
        since=since,
        until=until,
    )


def _single(query: QueryDict, name: str) -> str:
    values = [value for value in query.getlist(name) if value.strip()]
    if len(values) > 1:
        raise InvalidInput(_("%(name)s is given more than once.") % {"name": name}, field=name)
    return values[0].strip() if values else ""


def _date(raw: str, name: str) -> date | None:
    if not raw:
        return None
    try:
        if not _ISO_DATE.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            _("%(name)s must be a date written YYYY-MM-DD.") % {"name": name}, field=name
        ) from None


def _seller_id(raw: str) -> int:
    """A Seller global ID, else a slug; auditors see every seller, so "no such seller"
    reveals nothing they could not read anyway."""
    try:
        type_name, pk = parse_global_id(raw, field="seller")
    except NotFound:
        found = Seller.objects.filter(slug=raw).values_list("pk", flat=True).first()
    else:
        found = pk if type_name == "Seller" and Seller.objects.filter(pk=pk).exists() else None
    if found is None:
        raise InvalidInput(
            _("No seller has the ID or slug %(value)r.") % {"value": raw}, field="seller"
        )
    return found


# Writers ------------------------------------------------------------------------------------


def _joined(values: Iterable) -> str:
    return "; ".join(str(value) for value in values)


def csv_text(value) -> str:
    """One CSV field: machine-readable, unambiguous, and safe to open in a spreadsheet."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(EXPORT_TIME_ZONE).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        value = _joined(value)
    return neutralise(str(value))


def xlsx_value(value):
    """One XLSX cell's value: real numbers, dates and booleans; text neutralised."""
    if value is None or isinstance(value, bool | int | Decimal):
        return value
    if isinstance(value, datetime):
        return value.astimezone(EXPORT_TIME_ZONE).replace(tzinfo=None)
    if isinstance(value, date):
        return value
    if isinstance(value, list | tuple):
        value = _joined(value)
    # openpyxl refuses control characters XML cannot hold; they carry no meaning here.
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:XLSX_CELL_MAX]
    return neutralise(text)


class _Echo:
    """A file that hands back what is written, so ``csv.writer`` can feed a stream."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(table: Table, filters: Filters, headers: list[str]) -> Iterator[str]:
    """The CSV (RFC 4180, CRLF) in chunks, starting with a UTF-8 byte order mark so that
    Excel reads the Vietnamese as UTF-8 rather than the machine's ANSI code page."""
    writer = csv.writer(_Echo())
    chunk = ["\ufeff", writer.writerow(headers)]
    for row in table.rows(filters):
        chunk.append(writer.writerow([csv_text(column.read(row)) for column in table.columns]))
        if len(chunk) >= ROWS_PER_WRITE:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk)


def _sheet_title(title: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet"


def xlsx_write(table: Table, filters: Filters, headers: list[str], file: IO[bytes]) -> None:
    """The workbook in ``file``; write-only mode streams rows to disk as they come."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(str(table.title)))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in table.rows(filters):
        sheet.append([xlsx_value(column.read(row)) for column in table.columns])
    workbook.save(file)


def _geometry(site: Site) -> dict:
    """The boundary when there is one (exterior ring counter-clockwise, as RFC 7946
    asks), else the GPS point; positions are [longitude, latitude]."""
    if site.boundary:
        polygon = orient(shape(site.boundary), sign=1.0)
        return {"type": "Polygon", "coordinates": mapping(polygon)["coordinates"]}
    return {"type": "Point", "coordinates": [float(site.longitude), float(site.latitude)]}


def area_feature(site: Site) -> dict:
    hectares = site.area_hectares
    return {
        "type": "Feature",
        "id": site.code,
        "geometry": _geometry(site),
        "properties": {
            "code": site.code,
            "name": site.name,
            "seller": site.seller.name,
            "status": site.status,
            "crops": list(site.crops),
            "hectares": float(hectares) if hectares is not None else None,
            "ward": site.ward,
            "province": site.province,
        },
    }


def areas_geojson_chunks(filters: Filters) -> Iterator[str]:
    """A GeoJSON FeatureCollection (RFC 7946) of growing areas, one feature at a time."""
    sites = AREAS.narrow(
        Site.objects.filter(kind=Site.Kind.GROWING_AREA).select_related("seller"), filters
    ).order_by("code")
    yield '{"type":"FeatureCollection","features":['
    separator = ""
    chunk = []
    for site in sites.iterator(chunk_size=CHUNK_SIZE):
        chunk.append(separator + json.dumps(area_feature(site), ensure_ascii=False))
        separator = ","
        if len(chunk) >= ROWS_PER_WRITE:
            yield "".join(chunk)
            chunk = []
    chunk.append("]}")
    yield "".join(chunk)
