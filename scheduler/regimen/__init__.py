"""Regimen files -> validated model: notation, amounts, the model, the loader, the schema, the bundled catalog, dosing, descriptions."""
