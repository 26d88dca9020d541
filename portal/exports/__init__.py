"""Exports: every table the portal lets staff take away, as CSV or Excel.

An area offers one by decorating a function with `exportable` (tables.py); the
one export page asks for the format and the reason, checks the export
permission, writes the audit event and sends the file. Link to it with
`url_for("exports.start", name=..., **the page's filters)`.
"""

from flask import Blueprint

from portal.exports.tables import Column, Table, exportable

bp = Blueprint("exports", __name__, url_prefix="/export")

__all__ = ["Column", "Table", "bp", "exportable"]
