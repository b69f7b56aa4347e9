"""Writes of the department's OCOP registry: importing the spreadsheet, deciding matches.

``registry_import`` reads the file (``province.importing``), applies its rows through the
import-export resource (``province.registry_resource``) and records the attempt as a
``RegistryImport`` whatever came of it: a dry run, or a file with any refused row, applies
nothing (the resource's block is rolled back) but is recorded with its counts and row
errors. A file that is no registry at all (too large, not a spreadsheet, damaged) is
refused with ``RegistryFileRefused`` and records nothing. Re-importing a file updates the
entries it names, by certificate number; entries it does not name stay.

A person decides suggestions: ``registry_entry_confirm_match``,
``registry_entry_reject_match`` (never suggested again: ``RegistryMatchRejection``) and
``registry_entry_match`` (by hand, to a chosen certificate). Only auditors and operators
may; ``by=None`` is the platform (the demo loader, a command).
"""

import hashlib
from dataclasses import dataclass, field

import tablib
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export.results import RowResult

from catalog.models import OcopCertificate
from market.core.errors import DomainError, NotFound
from market.core.permissions import is_row_id, require_auditor_or_operator
from market.core.transactions import service_transaction
from province import importing
from province.importing import RowError
from province.models import RegistryEntry, RegistryImport, RegistryMatchRejection
from province.registry_resource import IMPORTED_FIELDS, RegistryEntryResource
from province.services.registry_matching import registry_rematch

Status = RegistryEntry.MatchStatus
# A file with more refusals than this is the wrong file: the first ones are kept (the
# count of refused rows is whole).
MAX_ROW_ERRORS = 200


@dataclass(frozen=True)
class RowOutcome:
    """What an import did (or, in a dry run, would do) with one row of the file."""

    row: int
    certificate_number: str
    action: str  # "created", "updated", "unchanged" or "refused"
    changed_fields: tuple[str, ...] = ()


@dataclass
class RegistryImportOutcome:
    record: RegistryImport
    rows: list[RowOutcome] = field(default_factory=list)


_ACTIONS = {
    RowResult.IMPORT_TYPE_NEW: "created",
    RowResult.IMPORT_TYPE_UPDATE: "updated",
    RowResult.IMPORT_TYPE_SKIP: "unchanged",
}


def _require_insider(by) -> None:
    if by is not None:
        require_auditor_or_operator(by)


def _file_content(file) -> bytes:
    """The upload's bytes, refused by its declared size before any is read."""
    importing.refuse_oversized(getattr(file, "size", None))
    file.seek(0)
    # One byte past the cap tells a file that lied about its size.
    content = file.read(importing.max_bytes() + 1)
    importing.refuse_oversized(len(content))
    return content


def _file_format_from_name(name: str) -> str | None:
    lowered = name.lower()
    for file_format in RegistryImport.Format.values:
        if lowered.endswith(f".{file_format}"):
            return file_format
    return None


@service_transaction
def registry_import(*, by, file, dry_run: bool) -> RegistryImportOutcome:
    """Import the department's registry from ``file`` (CSV or XLSX; anything with ``name``
    and ``read``), or with ``dry_run`` only say what it would change."""
    _require_insider(by)
    content = _file_content(file)
    sheet = importing.read_sheet(content)
    named_as = _file_format_from_name(getattr(file, "name", "") or "")
    if named_as is not None and named_as != sheet.file_format:
        raise importing.RegistryFileRefused(
            _("The file is named .%(named)s but holds %(held)s.")
            % {"named": named_as, "held": sheet.file_format.upper()},
            code="UNSUPPORTED_FILE",
        )
    errors = list(sheet.errors)
    rows = _rows_to_import(sheet, errors)
    dataset = tablib.Dataset(headers=list(IMPORTED_FIELDS))
    for _number, values in rows:
        dataset.append([values.get(name) for name in IMPORTED_FIELDS])
    failing_cells = {(error.row, error.field) for error in errors}
    # A missing column is said once, on the heading row, not again on every row.
    missing = {error.field for error in errors if error.code == "MISSING_COLUMN"}
    resource = RegistryEntryResource()
    # Applied only when nothing at all was refused: with errors found before the resource
    # ran, it runs as a dry run, to report its own errors too.
    result = resource.import_data(
        dataset,
        dry_run=dry_run or bool(errors),
        rollback_on_validation_errors=True,
        use_transactions=True,
    )
    if result.base_errors:
        # The database refused a batch (another import writing the same entries at once):
        # the resource rolled it all back.
        errors.append(
            RowError(
                sheet.header_row,
                None,
                "INVALID",
                _("The registry could not be saved; nothing was applied. Try again."),
            )
        )
    outcomes = []
    for (number, values), row_result in zip(rows, result.rows, strict=True):
        row_errors = _row_errors(number, row_result)
        errors += [
            error
            for error in row_errors
            if (error.row, error.field) not in failing_cells and error.field not in missing
        ]
        outcomes.append(_row_outcome(number, values, row_result, refused=bool(row_errors)))
    refused_rows = {error.row for error in errors}
    outcomes = [
        outcome if outcome.row not in refused_rows else _refused(outcome) for outcome in outcomes
    ]
    outcomes += [
        RowOutcome(row=number, certificate_number=values.get("certificate_number") or "",
                   action="refused")
        for number, values in sheet.rows
        if number not in {outcome.row for outcome in outcomes}
    ]  # fmt: skip
    outcomes.sort(key=lambda outcome: outcome.row)
    applied = not dry_run and not errors
    record = RegistryImport.objects.create(
        file_name=(getattr(file, "name", "") or "")[:255],
        file_format=sheet.file_format,
        file_sha256=hashlib.sha256(content).hexdigest(),
        dry_run=dry_run,
        applied=applied,
        rows_total=len(sheet.rows),
        rows_created=_count(outcomes, "created"),
        rows_updated=_count(outcomes, "updated"),
        rows_unchanged=_count(outcomes, "unchanged"),
        rows_refused=_count(outcomes, "refused"),
        row_errors=[error.as_dict() for error in sorted(errors, key=_error_order)[:MAX_ROW_ERRORS]],
        imported_by=by,
    )
    if applied:
        numbers = [values["certificate_number"] for _number, values in rows]
        entries = RegistryEntry.objects.filter(certificate_number__in=numbers)
        entries.update(last_import=record)
        registry_rematch(entry_ids=entries.values_list("pk", flat=True))
    return RegistryImportOutcome(record=record, rows=outcomes)


def _error_order(error: RowError):
    return (error.row, importing.COLUMN_ORDER.get(error.field, -1))


def _count(outcomes: list[RowOutcome], action: str) -> int:
    return sum(1 for outcome in outcomes if outcome.action == action)


def _refused(outcome: RowOutcome) -> RowOutcome:
    return RowOutcome(row=outcome.row, certificate_number=outcome.certificate_number,
                      action="refused")  # fmt: skip


def _rows_to_import(sheet, errors: list[RowError]) -> list[tuple[int, dict]]:
    """The rows the resource gets: those with a certificate number seen once in the file.
    A row without one, or repeating one, is a row error here (the resource keys by it)."""
    first_row_of: dict[str, int] = {}
    already_refused = {error.row for error in errors if error.field == "certificate_number"}
    rows = []
    for number, values in sheet.rows:
        raw = values.get("certificate_number")
        text = "" if raw is None else str(raw)
        if not text.strip():
            if number not in already_refused:
                errors.append(
                    RowError(number, "certificate_number", "REQUIRED", _("This cell is required."))
                )
            continue
        key = importing.normalised_certificate_number(text)
        if key in first_row_of:
            errors.append(
                RowError(
                    number,
                    "certificate_number",
                    "DUPLICATE",
                    _("The certificate number %(number)s is already in row %(row)d.")
                    % {"number": key, "row": first_row_of[key]},
                )
            )
            continue
        first_row_of[key] = number
        rows.append((number, {**values, "certificate_number": key}))
    return rows


def _row_errors(number: int, row_result) -> list[RowError]:
    if row_result.validation_error is not None:
        error = row_result.validation_error
        return [
            RowError(number, name, item.code or "INVALID", item.messages[0])
            for name, items in error.error_dict.items()
            for item in items
        ]
    return [
        RowError(number, None, "INVALID", _("This row could not be saved."))
        for _error in row_result.errors
    ]


def _row_outcome(number: int, values: dict, row_result, *, refused: bool) -> RowOutcome:
    certificate_number = values["certificate_number"]
    if refused or row_result.import_type not in _ACTIONS:
        return RowOutcome(row=number, certificate_number=certificate_number, action="refused")
    action = _ACTIONS[row_result.import_type]
    changed = ()
    if action == "created":
        changed = tuple(name for name in IMPORTED_FIELDS if getattr(row_result.instance, name))
    elif action == "updated":
        changed = tuple(
            name
            for name in IMPORTED_FIELDS
            if getattr(row_result.instance, name) != getattr(row_result.original, name)
        )
    return RowOutcome(
        row=number, certificate_number=certificate_number, action=action, changed_fields=changed
    )


# ---------------------------------------------------------------- deciding matches


def _entry_for_decision(entry_id, *, by) -> RegistryEntry:
    _require_insider(by)
    entry = None
    if is_row_id(entry_id):
        entry = RegistryEntry.objects.select_for_update().filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(_("No registry entry has this ID."), field="entry_id")
    return entry


def _refuse_if_taken(certificate_id: int, entry: RegistryEntry) -> None:
    other = (
        RegistryEntry.objects.filter(certificate_id=certificate_id, match_status=Status.MATCHED)
        .exclude(pk=entry.pk)
        .first()
    )
    if other is not None:
        raise DomainError(
            _("This certificate is already matched to the registry entry %(number)s.")
            % {"number": other.certificate_number},
            code="CERTIFICATE_TAKEN",
            field="certificate_id",
        )


def _decide(entry: RegistryEntry, certificate_id: int, *, by) -> RegistryEntry:
    entry.certificate_id = certificate_id
    entry.match_status = Status.MATCHED
    entry.match_method = RegistryEntry.MatchMethod.CONFIRMED
    entry.matched_by = by
    entry.matched_at = timezone.now()
    entry.save()
    return entry


@service_transaction
def registry_entry_confirm_match(*, by, entry_id: int) -> RegistryEntry:
    """A person confirms the entry's suggested certificate as its own."""
    entry = _entry_for_decision(entry_id, by=by)
    if entry.match_status != Status.SUGGESTED:
        raise DomainError(
            _("This entry has no suggestion to confirm."), code="NOT_SUGGESTED", field="entry_id"
        )
    _refuse_if_taken(entry.certificate_id, entry)
    return _decide(entry, entry.certificate_id, by=by)


@service_transaction
def registry_entry_reject_match(*, by, entry_id: int) -> RegistryEntry:
    """A person says the suggested certificate is not this entry's: it is never suggested
    to it again; the entry waits (REJECTED) for another suggestion or a match by hand."""
    entry = _entry_for_decision(entry_id, by=by)
    if entry.match_status != Status.SUGGESTED:
        raise DomainError(
            _("This entry has no suggestion to reject."), code="NOT_SUGGESTED", field="entry_id"
        )
    RegistryMatchRejection.objects.get_or_create(
        entry=entry, certificate_id=entry.certificate_id, defaults={"rejected_by": by}
    )
    entry.certificate = None
    entry.match_status = Status.REJECTED
    entry.match_method = ""
    entry.match_score = None
    entry.matched_by = by
    entry.matched_at = None
    entry.save()
    return entry


@service_transaction
def registry_entry_match(*, by, entry_id: int, certificate_id: int) -> RegistryEntry:
    """A person matches the entry to a certificate they chose (a rejection of that pair
    is withdrawn)."""
    entry = _entry_for_decision(entry_id, by=by)
    certificate = None
    if is_row_id(certificate_id):
        certificate = OcopCertificate.objects.filter(pk=certificate_id).first()
    if certificate is None:
        raise NotFound(_("No OCOP certificate has this ID."), field="certificate_id")
    _refuse_if_taken(certificate.pk, entry)
    RegistryMatchRejection.objects.filter(entry=entry, certificate=certificate).delete()
    entry.match_score = None
    return _decide(entry, certificate.pk, by=by)
