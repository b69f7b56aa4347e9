"""The words of EPCIS events: the CBV 2.0 terms and the project's own vocabulary.

EPCIS 2.0 JSON-LD writes CBV terms as bare words (``"bizStep": "commissioning"``), as the
standard context maps them; anything else is a URI. The CBV has no step for farm work, so
planting, fertilising, spraying and harvesting are the project's own bizSteps: URIs under
``settings.TRACE_VOCABULARY_BASE``, which the documents' ``@context`` also declares as the
prefix ``ocop`` for extension fields (``ocop:harvestDate``).

The sets of CBV terms are the enums of GS1's EPCIS 2.0 JSON schema
(``schema/EPCIS-JSON-Schema.json``); a test checks that they still agree.
"""

from django.conf import settings

# The EPCIS 2.0 JSON-LD context that our documents name.
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# Other addresses of the same context that farm software writes (GS1's "latest" alias
# and the GitHub Pages copy that GS1's own examples use).
EPCIS_CONTEXTS = frozenset(
    {
        EPCIS_CONTEXT,
        "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
        "https://gs1.github.io/EPCIS/epcis-context.jsonld",
    }
)
# Prefixes the EPCIS 2.0 context itself declares (epcis-context.jsonld): documents may
# use them without declaring them, and may not redefine them (the context is protected).
EPCIS_CONTEXT_PREFIXES = frozenset(
    {"epcis", "cbv", "cbvmda", "gs1", "rdfs", "owl", "xsd", "dcterms"}
)
SCHEMA_VERSION = "2.0"

EVENT_TYPES = frozenset(
    {
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
    }
)
ACTIONS = frozenset({"ADD", "OBSERVE", "DELETE"})

# CBV 2.0 business steps (CBV section 7.1).
COMMISSIONING = "commissioning"
PACKING = "packing"
SHIPPING = "shipping"
RECEIVING = "receiving"
STORING = "storing"
INSPECTING = "inspecting"
SAMPLING = "sampling"
CBV_BIZ_STEPS = frozenset(
    {
        "accepting",
        "arriving",
        "assembling",
        "collecting",
        COMMISSIONING,
        "consigning",
        "creating_class_instance",
        "cycle_counting",
        "decommissioning",
        "departing",
        "destroying",
        "disassembling",
        "dispensing",
        "encoding",
        "entering_exiting",
        "holding",
        INSPECTING,
        "installing",
        "killing",
        "loading",
        "other",
        PACKING,
        "picking",
        RECEIVING,
        "removing",
        "repackaging",
        "repairing",
        "replacing",
        "reserving",
        "retail_selling",
        SHIPPING,
        "staging_outbound",
        "stock_taking",
        "stocking",
        STORING,
        "transporting",
        "unloading",
        "unpacking",
        "void_shipping",
        "sensor_reporting",
        SAMPLING,
    }
)

# CBV 2.0 dispositions (CBV section 7.2).
ACTIVE = "active"
IN_PROGRESS = "in_progress"
IN_TRANSIT = "in_transit"
CONFORMANT = "conformant"
NON_CONFORMANT = "non_conformant"
CBV_DISPOSITIONS = frozenset(
    {
        ACTIVE,
        "container_closed",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        IN_PROGRESS,
        IN_TRANSIT,
        "inactive",
        "no_pedigree_match",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unknown",
        "available",
        "completeness_verified",
        "completeness_inferred",
        CONFORMANT,
        "container_open",
        "mismatch_instance",
        "mismatch_class",
        "mismatch_quantity",
        "needs_replacement",
        NON_CONFORMANT,
        "unavailable",
    }
)

# CBV 2.0 error reasons of an errorDeclaration (CBV section 7.5).
DID_NOT_OCCUR = "did_not_occur"
INCORRECT_DATA = "incorrect_data"
CBV_ERROR_REASONS = frozenset({DID_NOT_OCCUR, INCORRECT_DATA})

# The CBV's own namespaces: a CBV term written as a URI in any of them is refused, since
# EPCIS 2.0 JSON-LD writes it as the bare word (and the schema refuses the first two).
CBV_URI_PREFIXES = (
    "urn:epcglobal:cbv:",
    "http://ns.gs1.org/cbv/",
    "https://ns.gs1.org/cbv/",
    "http://ref.gs1.org/cbv/",
    "https://ref.gs1.org/cbv/",
    "cbv:",
)

# The project's @context prefix for its vocabulary (bizSteps and extension fields).
CONTEXT_PREFIX = "ocop"

# The project's business steps, for farm work the CBV has no step for. Processing is the
# step of a TransformationEvent that makes a product from input lots (drying grapes,
# pressing syrup).
PLANTING = "planting"
FERTILISING = "fertilising"
SPRAYING = "spraying"
HARVESTING = "harvesting"
PROCESSING = "processing"
PROJECT_BIZ_STEPS = (PLANTING, FERTILISING, SPRAYING, HARVESTING, PROCESSING)
# Project step URIs are named like the CBV's own (https://ref.gs1.org/cbv/BizStep-packing).
_BIZ_STEP_TERM = "BizStep-"


def vocabulary_base() -> str:
    """The project's vocabulary URI, ending in ``/`` (read at each call: tests and
    deployments change the setting)."""
    base = settings.TRACE_VOCABULARY_BASE
    return base if base.endswith(("/", "#")) else base + "/"


def project_context() -> dict[str, str]:
    """The ``@context`` entry that declares the project's prefix: ``{"ocop": <base>}``."""
    return {CONTEXT_PREFIX: vocabulary_base()}


def document_context() -> list:
    """The ``@context`` of the project's documents and events: EPCIS 2.0, then ours."""
    return [EPCIS_CONTEXT, project_context()]


def term(name: str) -> str:
    """The compact name (CURIE) of a project extension field: ``ocop:<name>``."""
    return f"{CONTEXT_PREFIX}:{name}"


def term_uri(name: str) -> str:
    """The full URI of a project term: ``<base><name>``."""
    return vocabulary_base() + name


def own_biz_step(name: str) -> str:
    """The URI of a project bizStep (``planting`` → ``<base>BizStep-planting``)."""
    if name not in PROJECT_BIZ_STEPS:
        raise ValueError(f"{name!r} is not one of the project's bizSteps {PROJECT_BIZ_STEPS}.")
    return term_uri(_BIZ_STEP_TERM + name)


def is_cbv_biz_step(word: str) -> bool:
    return word in CBV_BIZ_STEPS


def cbv_term(word: str) -> str:
    """``word`` itself, once checked to be a CBV bizStep, disposition or error reason (as
    EPCIS 2.0 JSON-LD writes them); ``ValueError`` otherwise, since callers name them."""
    if word not in CBV_BIZ_STEPS | CBV_DISPOSITIONS | CBV_ERROR_REASONS:
        raise ValueError(f"{word!r} is not a CBV bizStep, disposition or error reason.")
    return word


def is_own_term(value: str) -> bool:
    """Whether ``value`` names a term of the project's vocabulary, as a URI or a CURIE."""
    for prefix in (vocabulary_base(), CONTEXT_PREFIX + ":"):
        if value.startswith(prefix) and len(value) > len(prefix):
            return True
    return False


def is_disposition(value: str) -> bool:
    """A disposition the project writes: a CBV word, or a term of the project's vocabulary."""
    return value in CBV_DISPOSITIONS or is_own_term(value)


def biz_step_name(value: str) -> str | None:
    """The short name of a bizStep written in an event: the CBV word itself, or the name of
    a project step from its URI or CURIE; None for another vocabulary's URI."""
    if value in CBV_BIZ_STEPS:
        return value
    for prefix in (vocabulary_base(), CONTEXT_PREFIX + ":"):
        if value.startswith(prefix + _BIZ_STEP_TERM):
            name = value.removeprefix(prefix + _BIZ_STEP_TERM)
            if name in PROJECT_BIZ_STEPS:
                return name
    return None
