"""EPCIS 2.0 JSON-LD: vocabulary, validation and documents of trace events."""
