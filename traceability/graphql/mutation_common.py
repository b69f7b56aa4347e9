"""What every traceability mutation shares: its error type and codes, the `Meta` base."""

from market.core.graphql.mutations import error_codes, error_type_for

TraceErrorCode = error_codes(
    "TraceErrorCode",
    # Codes and certificates
    "CODE_TAKEN",
    "DUPLICATED",
    "INVALID_DATES",
    "INVALID_STATUS",
    "INVALID_TRANSITION",
    "NOT_A_GROWING_AREA",
    "SITE_REVOKED",
    "SITE_NOT_ACTIVE",
    "AREA_NOT_ACTIVE",
    # Inspections and their photos
    "IN_FUTURE",
    "TOO_MANY",
    "INVALID_IMAGE",
    "IMAGE_TOO_LARGE",
    "UNSUPPORTED_IMAGE_FORMAT",
    # Lots and events
    "INVALID_LOT_CODE",
    "INVALID_GTIN",
    "DUPLICATE",
    "QUANTITY_EXCEEDED",
    "UNKNOWN_STEP",
    "NO_AREA",
    "NOT_HARVESTED",
    "BEFORE_LOT",
    "AFTER_BEST_BEFORE",
    "ALREADY_DECLARED",
)
TraceError = error_type_for("TraceError", TraceErrorCode)


# What every traceability mutation answers errors with; each Meta adds who may call it.
class TraceMeta:
    error_type = TraceError
    error_code_enum = TraceErrorCode


OWN_SELLER_ONLY = "Staff act for their own seller only."


def given_fields(data: dict) -> dict:
    """The input fields the client gave a value (``null`` counts as left out)."""
    return {key: value for key, value in data.items() if value is not None}
