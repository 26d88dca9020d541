from flask import make_response, request
from flask_login import current_user, login_required

from portal.core.access import may_export, require
from portal.core.clock import local_today
from portal.core.htmx import render
from portal.exports import bp
from portal.exports.forms import ExportForm, shown_title
from portal.exports.records import record_export
from portal.exports.tables import EXPORTS, write_csv, write_xlsx

_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.route("/<name>", methods=["GET", "POST"])
@login_required
def start(name: str):
    """Ask for the format and the reason, then send the table as a file."""
    require(name in EXPORTS, hidden=True)
    require(may_export(current_user))
    export = EXPORTS[name]
    form = ExportForm()
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render(
            "exports/start.html",
            status=status,
            form=form,
            export=export,
            title=shown_title(export),
        )
    table = export.build(request.args)
    fmt = form.format.data
    body = write_csv(table) if fmt == "csv" else write_xlsx(table, export.title)
    record_export(current_user, export, table, fmt, form.reason.data)
    response = make_response(body)
    response.headers["Content-Type"] = _TYPES[fmt]
    filename = f"{export.name}-{local_today().isoformat()}.{fmt}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.app_template_global("may_export")
def may_export_now() -> bool:
    """For the pages' Export buttons: shown to those the export page lets in."""
    return current_user.is_authenticated and may_export(current_user)
