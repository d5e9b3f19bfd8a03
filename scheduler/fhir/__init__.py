"""Regimens and patient plans to and from HL7 FHIR resources (JSON-ready dicts)."""
