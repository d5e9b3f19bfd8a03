"""Regimen + plan options -> dated events: the pure engine, events, closures, zones, re-planning changes."""
