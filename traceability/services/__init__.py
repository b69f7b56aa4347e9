"""Writes of traceability, by subject: sites (codes and their status), lots and their event
chains, audits (inspections, violations), and the verified-origin cache (origin)."""
