"""Logging in and one-time password links."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.accounts.passwords import (
    AccountDeactivated,
    authenticate,
    check_credentials,
    hash_password,
    issue_token,
    set_password_with_token,
)
from portal.accounts.sessions import log_in
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import AuditEvent, PasswordToken, User, utcnow

PASSWORD = "correct-horse-battery"  # what the `make_user` builder sets


def _reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_a_stored_password_is_an_argon2_hash_not_the_password(make_user):
    user = make_user("ana@example.org")

    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    # The same password hashed twice differs (salted), so equal passwords do not show.
    assert hash_password(PASSWORD) != hash_password(PASSWORD)


def test_login_succeeds_with_the_right_password_and_records_when(app, make_user):
    user = make_user("ana@example.org")
    assert user.last_login_at is None
    before = utcnow()

    assert authenticate("  Ana@Example.org ", PASSWORD) == user
    with app.test_request_context():
        log_in(user)  # every way in records the login here

    seen = _reload(user).last_login_at
    assert seen is not None
    assert seen.tzinfo is not None
    assert before - timedelta(seconds=1) <= seen <= utcnow() + timedelta(seconds=1)


def test_login_answers_alike_for_an_unknown_email_and_a_wrong_password(make_user):
    user = make_user("ana@example.org")

    assert authenticate("nobody@example.org", PASSWORD) is None
    assert authenticate("ana@example.org", "wrong-password-here") is None
    assert _reload(user).last_login_at is None


def test_an_inactive_user_cannot_log_in_even_with_the_right_password(make_user):
    user = make_user("ana@example.org")
    user.active = False
    db.session.commit()

    assert authenticate("ana@example.org", PASSWORD) is None
    with pytest.raises(AccountDeactivated):  # the log-in page says why, to the right password
        check_credentials("ana@example.org", PASSWORD)
    assert check_credentials("ana@example.org", "a-wrong-password") is None  # else nothing
    assert _reload(user).last_login_at is None


def test_an_invited_user_without_a_password_cannot_log_in(make_user):
    make_user("new@example.org", password=None)

    assert authenticate("new@example.org", "") is None
    assert authenticate("new@example.org", "not-a-real-password") is None


@pytest.fixture
def invited(make_user):
    """A user without a password and the raw token of their invitation link."""
    user = make_user("invitee@example.org", password=None)
    raw = issue_token(user)
    db.session.commit()
    return user, raw


def test_an_invitation_link_expires_72_hours_after_it_is_issued(invited):
    user, _ = invited
    token = db.session.scalar(db.select(PasswordToken).filter_by(user_id=user.id))

    assert token.expires_at - token.created_at == pytest.approx(
        timedelta(hours=72), abs=timedelta(seconds=5)
    )


def test_only_a_hash_of_the_link_token_is_stored(invited):
    user, raw = invited
    token = db.session.scalar(db.select(PasswordToken).filter_by(user_id=user.id))

    assert raw not in token.token_hash
    assert len(token.token_hash) == 64


def test_an_invitation_link_sets_the_password_and_then_login_works(invited):
    user, raw = invited

    assert set_password_with_token(raw, "a-new-long-password") == user

    assert authenticate("invitee@example.org", "a-new-long-password") == user
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="password_set"))
    assert event is not None and event.object_id == user.id


def test_an_invitation_link_works_only_once(invited):
    user, raw = invited
    set_password_with_token(raw, "the-first-password")

    with pytest.raises(DomainError, match="already been used"):
        set_password_with_token(raw, "a-second-password")

    assert authenticate("invitee@example.org", "the-first-password") == user
    assert authenticate("invitee@example.org", "a-second-password") is None


def test_an_expired_invitation_link_is_refused(invited):
    user, raw = invited
    db.session.execute(
        db.update(PasswordToken)
        .where(PasswordToken.user_id == user.id)
        .values(expires_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()

    with pytest.raises(DomainError, match="expired"):
        set_password_with_token(raw, "a-new-long-password")

    assert _reload(user).password_hash is None


def test_a_link_one_minute_before_expiry_still_works(invited):
    user, raw = invited
    db.session.execute(
        db.update(PasswordToken)
        .where(PasswordToken.user_id == user.id)
        .values(expires_at=utcnow() + timedelta(minutes=1))
    )
    db.session.commit()

    assert set_password_with_token(raw, "a-new-long-password") == user


def test_a_too_short_password_is_refused_and_the_link_still_works(invited):
    user, raw = invited

    with pytest.raises(DomainError) as refused:
        set_password_with_token(raw, "short")
    assert refused.value.field == "password"
    assert _reload(user).password_hash is None
    token = db.session.scalar(db.select(PasswordToken).filter_by(user_id=user.id))
    assert token.used_at is None

    assert set_password_with_token(raw, "long-enough-now") == user


def test_a_made_up_link_is_refused(app):
    with pytest.raises(DomainError) as refused:
        set_password_with_token("not-a-token-anyone-was-given", "a-new-long-password")
    assert (refused.value.field, refused.value.message) == (
        None,
        "This link has expired or has already been used.",
    )
