"""Assignments: which DHIS2 data sets a partner reports on or is paid on, with
start and end dates like its coverage; and the guided scope expansion that adds
coverage and data sets together and tells the programme team and finance."""

from flask import Blueprint

# Hangs under the partner (/partners/<id>/data-sets/...), next to its record.
bp = Blueprint("assignments", __name__)
