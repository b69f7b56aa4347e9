"""The EPCIS vocabulary: the CBV terms as GS1's schema lists them, and the project's own."""

import hashlib
from pathlib import Path

import pytest

from traceability.epcis import documents, validation, vocabulary

SCHEMA_DIR = Path(validation.SCHEMA_PATH).parent


def _schema_enum(definition: str) -> set[str]:
    alternatives = validation.SCHEMA["definitions"][definition]["anyOf"]
    return {word for alternative in alternatives for word in alternative.get("enum", ())}


def test_cbv_terms_are_those_of_gs1s_schema():
    assert _schema_enum("bizStep") == vocabulary.CBV_BIZ_STEPS
    assert _schema_enum("disposition") == vocabulary.CBV_DISPOSITIONS
    assert _schema_enum("error-reason") == vocabulary.CBV_ERROR_REASONS


def test_the_vendored_schema_is_gs1s_file_unmodified():
    digest = hashlib.sha256((SCHEMA_DIR / "EPCIS-JSON-Schema.json").read_bytes()).hexdigest()
    readme = (SCHEMA_DIR / "README.md").read_text()
    assert digest == "ed3228d7867198b4a5be9748fe77f473457c6ed98224fab28a950b4ce634a041"
    assert digest in readme
    assert (SCHEMA_DIR / "LICENSE-GS1.txt").read_text().startswith("DISCLAIMER")
    assert validation.SCHEMA["$id"] == "https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json"


def test_farm_steps_are_uris_under_the_vocabulary_base(settings):
    settings.TRACE_VOCABULARY_BASE = "https://voc.example.vn/ocop/"
    assert vocabulary.own_biz_step("harvesting") == (
        "https://voc.example.vn/ocop/BizStep-harvesting"
    )
    assert vocabulary.project_context() == {"ocop": "https://voc.example.vn/ocop/"}
    assert vocabulary.document_context() == [
        vocabulary.EPCIS_CONTEXT,
        {"ocop": "https://voc.example.vn/ocop/"},
    ]
    assert vocabulary.term("harvestDate") == "ocop:harvestDate"
    assert vocabulary.term_uri("harvestDate") == "https://voc.example.vn/ocop/harvestDate"


def test_the_default_base_ends_with_a_slash(settings):
    assert settings.TRACE_VOCABULARY_BASE.endswith("/")
    settings.TRACE_VOCABULARY_BASE = "https://voc.example.vn/ocop"
    assert vocabulary.vocabulary_base() == "https://voc.example.vn/ocop/"


def test_the_project_steps_cover_the_farm_and_none_is_a_cbv_word():
    assert {"planting", "fertilising", "spraying", "harvesting"} <= set(
        vocabulary.PROJECT_BIZ_STEPS
    )
    assert not set(vocabulary.PROJECT_BIZ_STEPS) & vocabulary.CBV_BIZ_STEPS
    with pytest.raises(ValueError, match="not one of the project's bizSteps"):
        vocabulary.own_biz_step("packing")


def test_biz_step_name_reads_back_cbv_words_uris_and_curies():
    for name in vocabulary.PROJECT_BIZ_STEPS:
        assert vocabulary.biz_step_name(vocabulary.own_biz_step(name)) == name
        assert vocabulary.biz_step_name(f"ocop:BizStep-{name}") == name
    assert vocabulary.biz_step_name("packing") == "packing"
    assert vocabulary.biz_step_name("https://other.example/BizStep-harvesting") is None
    assert vocabulary.biz_step_name("ocop:BizStep-dancing") is None


def test_cbv_terms_and_dispositions():
    assert vocabulary.cbv_term("commissioning") == "commissioning"
    assert vocabulary.cbv_term("in_transit") == "in_transit"
    assert vocabulary.cbv_term("incorrect_data") == "incorrect_data"
    with pytest.raises(ValueError, match="not a CBV"):
        vocabulary.cbv_term("harvesting")
    assert vocabulary.is_cbv_biz_step("shipping")
    assert not vocabulary.is_cbv_biz_step("harvesting")
    assert vocabulary.is_disposition("active")
    assert vocabulary.is_disposition(vocabulary.term_uri("Disp-fresh"))
    assert vocabulary.is_disposition("ocop:Disp-fresh")
    assert not vocabulary.is_disposition("fresh")
    assert not vocabulary.is_disposition(vocabulary.vocabulary_base())
    assert not vocabulary.is_disposition("https://other.example/fresh")


def test_event_time_zone_offset_constant_is_vietnams():
    assert documents.EVENT_TIME_ZONE_OFFSET == documents.event_time_zone_offset() == "+07:00"
