"""The document vault: an organisation's documents (registration, audits,
licences) uploaded once with a validity date, counting for every requirement of
their type while valid."""

from flask import Blueprint

bp = Blueprint("vault", __name__)
