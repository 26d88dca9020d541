from flask import Blueprint

bp = Blueprint("accreditation", __name__)

from portal.accreditation import manage, views  # noqa: E402,F401
