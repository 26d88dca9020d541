"""KPIs: how partners (and the programme's own team) are doing against the
benchmarks administrators set — timeliness, documentation quality, compliance,
engagement and the programme's service — computed in SQL from what the portal
records, with the programme dashboard, each partner's figures and the staff's
engagement assessments."""

from flask import Blueprint

bp = Blueprint("kpis", __name__)
