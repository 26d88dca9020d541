from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from portal.accounts import bp
from portal.accounts.forms import (
    EmptyForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    SetPasswordForm,
)
from portal.accounts.invitations import send_reset_link
from portal.accounts.passwords import (
    AccountDeactivated,
    check_credentials,
    set_password_with_token,
    usable_token,
)
from portal.accounts.sessions import deactivated_message, log_in, log_out
from portal.accounts.throttle import login_refusal, record_failed_login, reset_refusal
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.htmx import go_to, render, safe_next
from portal.core.i18n import SESSION_KEY


def home_for(user) -> str:
    if user.is_staff:
        return url_for("tracking.my_actions")
    return url_for("accreditation.mine")


@bp.get("/")
@login_required
def index():
    """Send each person to where their work is."""
    return redirect(home_for(current_user))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    refusal = None
    if form.validate_on_submit():
        # Checked before the password, so that a throttled guess learns nothing.
        refusal = login_refusal(form.email.data)
        try:
            user = None if refusal else check_credentials(form.email.data, form.password.data)
        except AccountDeactivated as deactivated:
            # The right password: saying so tells nothing to someone who knows it.
            form.password.errors.append(deactivated_message(deactivated.user))
            return _form_page("accounts/login.html", form, None)
        if user is not None:
            log_in(user)
            return go_to(safe_next(request.args.get("next"), home_for(user)))
        if refusal is None:
            record_failed_login(form.email.data)
            # One answer for unknown email and wrong password alike.
            form.password.errors.append(gettext("Email or password is incorrect."))
    return _form_page("accounts/login.html", form, refusal)


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    """Ask for a link to set a new password; the answer is the same for every email."""
    form = ForgotPasswordForm()
    refusal = None
    if form.validate_on_submit():
        refusal = reset_refusal(form.email.data)
        if refusal is None:
            send_reset_link(form.email.data)
            return render("accounts/reset_sent.html", email=form.email.data.strip())
    return _form_page("accounts/forgot_password.html", form, refusal)


def _form_page(template: str, form, refusal):
    """The form again: 429 with when to try again while throttled, 422 with errors."""
    status = 429 if refusal else 422 if form.errors else 200
    response = render(template, block="form", status=status, form=form, refusal=refusal)
    if refusal:
        response.headers["Retry-After"] = refusal.retry_after
    return response


@bp.post("/logout")
@login_required
def logout():
    """Log out (a POST, so that no link can log someone out)."""
    if EmptyForm().validate_on_submit():
        log_out(current_user)
        flash(gettext("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Set a password from a one-time link (invitation or reset)."""
    if usable_token(token) is None:
        return render_template("accounts/link_expired.html"), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = set_password_with_token(token, form.password.data)
        except DomainError as error:
            form.password.errors.append(error.message)
        else:
            log_in(user)  # the password change ended every other session
            flash(gettext("Your password is set. Welcome to the portal."), "success")
            return redirect(home_for(user))
    status = 422 if form.errors else 200
    return render_template("accounts/set_password.html", form=form), status


@bp.post("/language")
def choose_language():
    """The pages in the chosen language from now on: kept on the account, and in the
    session for someone not logged in yet."""
    form = LanguageForm()
    if form.validate_on_submit():
        session[SESSION_KEY] = form.language.data
        if current_user.is_authenticated:
            current_user.language = form.language.data
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("auth.index")))
