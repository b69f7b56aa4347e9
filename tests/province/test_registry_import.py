"""Importing the department's OCOP registry: CSV and XLSX, dry runs, row errors, nothing
half-imported, re-imports, and files that are no registry."""

import datetime
import io
import zipfile

import openpyxl
import pytest

from catalog.models import OcopCertificate
from province import importing
from province.importing import RegistryFileRefused
from province.models import RegistryEntry, RegistryImport
from province.services.registry import registry_import
from tests.province.registry_files import (
    HEADERS,
    csv_bytes,
    post_import,
    row,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


def entries() -> list[dict]:
    return list(
        RegistryEntry.objects.order_by("certificate_number").values(
            "certificate_number", "product_name", "stars", "product_group", "expires_on"
        )
    )


def test_a_csv_with_vietnamese_headings_is_imported(graphql, client, auth_headers, roles):
    content = csv_bytes(
        [
            row("DEMO-NT-0001", "Nho sấy dẻo", **{"Hạng sao": "4 sao"}),
            row("demo-nt 0002", "Nước mắm cá cơm", **{"Nhóm sản phẩm": "food"}),
        ]
    )

    status, body = post_import(client, auth_headers(roles["auditor"]), content, dry_run=False)

    assert status == 200, body
    answer = body["data"]["ocopRegistryImport"]
    assert answer["errors"] == []
    record = answer["registryImport"]
    assert (record["applied"], record["rowsCreated"], record["rowErrors"]) == (True, 2, [])
    assert [(r["row"], r["certificateNumber"], r["action"]) for r in answer["rows"]] == [
        (2, "DEMO-NT-0001", "CREATED"),
        (3, "DEMO-NT0002", "CREATED"),
    ]
    assert "productName" in answer["rows"][0]["changedFields"]
    entry = RegistryEntry.objects.get(certificate_number="DEMO-NT-0001")
    assert (entry.stars, entry.product_group, entry.ward) == (4, "food", "Xã Phước Hậu")
    # No "Ngày hết hạn" column: 36 months after issue.
    assert entry.issued_on == datetime.date(2025, 1, 15)
    assert entry.expires_on == datetime.date(2028, 1, 15)
    assert RegistryImport.objects.get().imported_by == roles["auditor"]


def test_an_xlsx_with_english_headings_and_real_dates_is_imported(roles):
    headers = ("Certificate number", "Product name", "Producer", "Stars", "Product group",
               "Decision", "Issued on", "Expires on", "Ward", "Former district")  # fmt: skip
    content = xlsx_bytes(
        [
            {
                "Certificate number": "DEMO-NT-0100",
                "Product name": "Trà măng tây",
                "Producer": "HTX Linh Đan",
                "Stars": 5,
                "Product group": "Đồ uống",
                "Decision": 789,
                "Issued on": datetime.date(2024, 3, 1),
                "Expires on": datetime.date(2026, 12, 31),
                "Ward": "Phường Đô Vinh",
            }
        ],
        headers=headers,
    )

    outcome = registry_import(by=roles["operator"], file=upload(content, "ds.xlsx"), dry_run=False)

    assert (outcome.record.applied, outcome.record.file_format) == (True, "xlsx")
    entry = RegistryEntry.objects.get()
    assert (entry.stars, entry.product_group, entry.issuing_decision) == (5, "beverages", "789")
    assert entry.expires_on == datetime.date(2026, 12, 31)
    # No "Former district" cell: the ward list's (market/core/data/wards.csv).
    assert entry.former_district == "Phan Rang–Tháp Chàm"


def test_a_dry_run_changes_nothing_but_is_recorded(roles):
    content = csv_bytes([row("DEMO-NT-0001"), row("DEMO-NT-0002")])

    outcome = registry_import(by=roles["auditor"], file=upload(content), dry_run=True)

    assert RegistryEntry.objects.count() == 0
    record = RegistryImport.objects.get()
    assert (record.dry_run, record.applied, record.rows_created) == (True, False, 2)
    assert [r.action for r in outcome.rows] == ["created", "created"]


def test_one_bad_row_applies_nothing_and_every_error_is_reported(
    graphql, client, auth_headers, roles
):
    registry_import(by=None, file=upload(csv_bytes([row("DEMO-NT-0001")])), dry_run=False)
    before = entries()
    content = csv_bytes(
        [
            row("DEMO-NT-0001", "Nho sấy dẻo đổi tên"),
            row("DEMO-NT-0002", **{"Hạng sao": "6"}),
            row("DEMO-NT-0003", **{"Nhóm sản phẩm": "Rau củ", "Ngày cấp": "31/02/2025"}),
            row("DEMO-NT-0004", **{"Tên sản phẩm": ""}),
        ]
    )

    status, body = post_import(client, auth_headers(roles["operator"]), content, dry_run=False)

    assert status == 200, body
    answer = body["data"]["ocopRegistryImport"]
    assert answer["errors"] == []
    record = answer["registryImport"]
    assert (record["applied"], record["rowsRefused"]) == (False, 3)
    assert [(e["row"], e["column"], e["field"], e["code"]) for e in record["rowErrors"]] == [
        (3, "Hạng sao", "stars", "INVALID_STARS"),
        (4, "Nhóm sản phẩm", "productGroup", "INVALID_GROUP"),
        (4, "Ngày cấp", "issuedOn", "INVALID_DATE"),
        (5, "Tên sản phẩm", "productName", "REQUIRED"),
    ]
    assert all(error["message"] for error in record["rowErrors"])
    # The good row would have updated: nothing did.
    assert [(r["row"], r["action"]) for r in answer["rows"]] == [
        (2, "UPDATED"), (3, "REFUSED"), (4, "REFUSED"), (5, "REFUSED"),
    ]  # fmt: skip
    assert entries() == before
    assert RegistryImport.objects.filter(applied=False).count() == 1


def test_a_missing_column_is_an_error_of_the_heading_row(roles):
    headers = ("Số giấy chứng nhận", "Tên sản phẩm", "Chủ thể", "Nhóm sản phẩm", "Quyết định",
               "Ngày cấp")  # fmt: skip
    outcome = registry_import(
        by=None, file=upload(csv_bytes([row("DEMO-NT-0001")], headers)), dry_run=False
    )

    assert outcome.record.applied is False
    assert [(e["row"], e["field"], e["code"]) for e in outcome.record.row_errors] == [
        (1, "stars", "MISSING_COLUMN")
    ]
    assert RegistryEntry.objects.count() == 0


def test_reimporting_is_idempotent_and_updates_what_changed(roles):
    first = csv_bytes([row("DEMO-NT-0001"), row("DEMO-NT-0002")])
    registry_import(by=None, file=upload(first), dry_run=False)
    again = registry_import(by=None, file=upload(first), dry_run=False)

    assert [r.action for r in again.rows] == ["unchanged", "unchanged"]
    assert RegistryEntry.objects.count() == 2

    changed = csv_bytes([row("DEMO-NT-0001", **{"Hạng sao": "5"}), row(" demo-nt-0002 ")])
    outcome = registry_import(by=None, file=upload(changed), dry_run=False)

    assert [(r.action, r.changed_fields) for r in outcome.rows] == [
        ("updated", ("stars",)),
        ("unchanged", ()),
    ]
    assert RegistryEntry.objects.get(certificate_number="DEMO-NT-0001").stars == 5
    assert RegistryEntry.objects.count() == 2
    assert set(RegistryEntry.objects.values_list("last_import", flat=True)) == {outcome.record.pk}


def test_duplicate_certificate_numbers_in_one_file_are_refused(roles):
    content = csv_bytes([row("DEMO-NT-0001"), row("DEMO-NT-0002"), row("demo-nt-0001")])

    outcome = registry_import(by=None, file=upload(content), dry_run=False)

    assert not outcome.record.applied
    [error] = outcome.record.row_errors
    assert (error["row"], error["code"]) == (4, "DUPLICATE")
    assert "dòng 2" in error["message"]  # Vietnamese, the default language
    assert RegistryEntry.objects.count() == 0


def test_cells_are_cleaned_and_formulas_and_bidi_overrides_refused(roles):
    decomposed = "Nho sa\u0302\u0301y"  # "Nho sấy" typed as base letters and combining marks
    content = csv_bytes(
        [
            row("DEMO-NT-0001", decomposed + "\x07\n dẻo", "HTX\u00a0Thái An"),
            row("DEMO-NT-0002", '=HYPERLINK("http://x")'),
            row("DEMO-NT-0003", "Nho \u202egnp.exe"),
        ]
    )

    outcome = registry_import(by=None, file=upload(content), dry_run=True)

    assert [(e["row"], e["field"], e["code"]) for e in outcome.record.row_errors] == [
        (3, "product_name", "FORMULA"),
        (4, "product_name", "INVALID_TEXT"),
    ]
    clean = csv_bytes([row("DEMO-NT-0001", decomposed + "\x07\n dẻo", "HTX\u00a0Thái An")])
    registry_import(by=None, file=upload(clean), dry_run=False)
    entry = RegistryEntry.objects.get()
    assert (entry.product_name, entry.producer_name) == ("Nho sấy dẻo", "HTX Thái An")


def test_an_expiry_before_the_issue_is_refused(roles):
    content = csv_bytes(
        [row("DEMO-NT-0001", **{"Ngày hết hạn": "01/01/2024"})],
        headers=(*HEADERS, "Ngày hết hạn"),
    )

    outcome = registry_import(by=None, file=upload(content), dry_run=False)

    assert [e["code"] for e in outcome.record.row_errors] == ["EXPIRES_BEFORE_ISSUE"]


# ---------------------------------------------------------------- files that are no registry


def refusal(content: bytes, name: str = "ds.csv") -> str:
    with pytest.raises(RegistryFileRefused) as refused:
        registry_import(by=None, file=upload(content, name), dry_run=False)
    assert (RegistryImport.objects.count(), RegistryEntry.objects.count()) == (0, 0)
    return refused.value.code


def test_an_oversized_file_is_refused_before_it_is_read(settings, client, auth_headers, roles):
    settings.PROVINCE_REGISTRY_MAX_BYTES = 2048
    content = csv_bytes([row(f"DEMO-NT-{n:04d}") for n in range(40)])
    assert len(content) > 2048

    assert refusal(content) == "FILE_TOO_LARGE"
    status, body = post_import(client, auth_headers(roles["operator"]), content, dry_run=True)
    assert status == 200, body
    assert [(e["field"], e["code"]) for e in body["data"]["ocopRegistryImport"]["errors"]] == [
        ("file", "FILE_TOO_LARGE")
    ]
    assert body["data"]["ocopRegistryImport"]["registryImport"] is None


def test_too_many_rows_are_refused(settings):
    settings.PROVINCE_REGISTRY_MAX_ROWS = 3
    assert refusal(csv_bytes([row(f"DEMO-NT-{n:04d}") for n in range(4)])) == "TOO_MANY_ROWS"


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "anh.png", "UNSUPPORTED_FILE"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "ds.xls", "UNSUPPORTED_FILE"),
        (b"PK\x03\x04garbage that is no zip", "ds.xlsx", "CORRUPT_FILE"),
        ("Số giấy chứng nhận,Tên\n".encode("utf-16"), "ds.csv", "UNSUPPORTED_FILE"),
        (b"S\xf4 gi\xe2y ch\xfang nh\xe2n;T\xean\n", "ds.csv", "INVALID_ENCODING"),  # Windows-1258
        (b"   \n", "ds.csv", "EMPTY_FILE"),
    ],
)
def test_what_is_no_spreadsheet_is_refused(content, name, code):
    assert refusal(content, name) == code


def test_a_zip_that_is_no_workbook_and_a_zip_bomb_are_refused(monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("hello.txt", "xin chào")
    assert refusal(buffer.getvalue(), "ds.xlsx") == "CORRUPT_FILE"

    monkeypatch.setattr(importing, "MAX_UNCOMPRESSED_BYTES", 1000)
    assert refusal(xlsx_bytes([row("DEMO-NT-0001")]), "ds.xlsx") == "CORRUPT_FILE"


def test_a_file_named_as_another_kind_is_refused():
    assert refusal(xlsx_bytes([row("DEMO-NT-0001")]), "ds.csv") == "UNSUPPORTED_FILE"


def test_a_semicolon_csv_without_bom_is_read():
    text = "Số giấy chứng nhận;Tên sản phẩm;Chủ thể;Hạng sao;Nhóm sản phẩm;Quyết định;Ngày cấp\n"
    text += "DEMO-NT-0009;Mật nho;Cơ sở Lê Nhân;3;Đồ uống;DEMO 9/QĐ;2024-06-18\n"

    outcome = registry_import(by=None, file=upload(text.encode()), dry_run=False)

    assert outcome.record.applied
    entry = RegistryEntry.objects.get()
    assert (entry.producer_name, entry.product_group) == ("Cơ sở Lê Nhân", "beverages")
    assert entry.expires_on == OcopCertificate.default_expiry(datetime.date(2024, 6, 18))


def test_row_numbers_are_the_sheet_s_own_when_the_table_starts_lower():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "Danh sách sản phẩm OCOP (DEMO)"
    sheet.append([])
    sheet.append(list(HEADERS))
    sheet.append([row("DEMO-NT-0001").get(header) for header in HEADERS])
    sheet.append([row("DEMO-NT-0002", **{"Hạng sao": "2"}).get(header) for header in HEADERS])
    buffer = io.BytesIO()
    workbook.save(buffer)

    outcome = registry_import(by=None, file=upload(buffer.getvalue(), "ds.xlsx"), dry_run=True)

    assert [(e["row"], e["code"]) for e in outcome.record.row_errors] == [(5, "INVALID_STARS")]
    assert [(r.row, r.action) for r in outcome.rows] == [(4, "created"), (5, "refused")]
