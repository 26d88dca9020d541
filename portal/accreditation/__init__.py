from flask import Blueprint

bp = Blueprint("accreditation", __name__)

from portal.accreditation import views  # noqa: E402,F401
