"""Registry spreadsheets built in the tests (CSV text and XLSX workbooks), and the upload."""

import csv
import io
import json

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

HEADERS = (
    "STT",
    "Số giấy chứng nhận",
    "Tên sản phẩm",
    "Chủ thể",
    "Hạng sao",
    "Nhóm sản phẩm",
    "Quyết định",
    "Ngày cấp",
    "Xã/phường",
    "Huyện (cũ)",
)


def row(number: str, product: str = "Nho sấy dẻo", producer: str = "HTX Nho Thái An", **cells):
    values = {
        "Số giấy chứng nhận": number,
        "Tên sản phẩm": product,
        "Chủ thể": producer,
        "Hạng sao": "4",
        "Nhóm sản phẩm": "Thực phẩm",
        "Quyết định": "DEMO 1234/QĐ-UBND",
        "Ngày cấp": "15/01/2025",
        "Xã/phường": "Xã Phước Hậu",
        "Huyện (cũ)": "Ninh Phước",
    }
    values.update(cells)
    return values


def csv_bytes(rows, headers=HEADERS, *, bom: bool = True) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for index, values in enumerate(rows, start=1):
        writer.writerow(
            [values.get(header, str(index) if header == "STT" else "") for header in headers]
        )
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode()


def xlsx_bytes(rows, headers=HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for index, values in enumerate(rows, start=1):
        sheet.append([values.get(header, index if header == "STT" else None) for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "danh-sach-ocop.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


IMPORT = """
mutation Import($file: Upload!, $dryRun: Boolean!) {
  ocopRegistryImport(file: $file, dryRun: $dryRun) {
    registryImport {
      id applied dryRun rowsTotal rowsCreated rowsUpdated rowsUnchanged rowsRefused
      rowErrors { row column field code message }
    }
    rows { row certificateNumber action changedFields }
    errors { field code message }
  }
}
"""


def post_import(client, headers, content: bytes, *, dry_run: bool, name="danh-sach-ocop.csv"):
    operations = {"query": IMPORT, "variables": {"file": None, "dryRun": dry_run}}
    response = client.post(
        "/graphql/",
        {
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.file"]}),
            "0": upload(content, name),
        },
        **headers,
    )
    return response.status_code, response.json()
