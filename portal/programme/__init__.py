"""The programme's accreditation templates: stages, requirements, versions."""

from flask import Blueprint

bp = Blueprint("programme", __name__)

from portal.programme import views  # noqa: E402,F401
