"""The commands an operator runs: the demo story and the first administrator."""

from __future__ import annotations

import pytest

from portal.accounts.passwords import authenticate
from portal.accreditation.progress import progress
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.demo import DEMO_PASSWORD
from portal.models import (
    Accreditation,
    AccreditationTemplate,
    AuditEvent,
    Partner,
    Submission,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    User,
)
from tests.helpers import stored_files


def _row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(db.select(db.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


@pytest.fixture
def seeded(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result


def test_seed_demo_loads_staff_partners_with_focal_points_and_prospects(seeded):
    assert "Demo data loaded." in seeded.output
    staff = db.session.scalars(db.select(User).where(User.partner_id.is_(None))).all()
    # Two administrators: the finance officer confirms the other's bank-detail changes.
    assert sorted(u.role for u in staff) == ["admin", "admin", "manager"]
    partners = db.session.scalars(db.select(Partner).order_by(Partner.id)).all()
    assert [p.status for p in partners] == [
        *["active"] * 4,
        "prospective",  # its need check under way: nobody invited yet
        "closed",  # the partnership the programme decided not to go ahead with
    ]
    assert partners[4].users == [] and partners[5].users == []
    for partner in partners[:3]:
        assert [u.role for u in partner.users] == ["partner"]
    # The fourth, whose people answered the survey, has three of them.
    assert [u.partner_role for u in partners[3].users] == ["focal", "editor", "viewer"]


def test_seed_demo_prints_logins_that_work(seeded):
    users = db.session.scalars(db.select(User)).all()

    for user in users:
        assert user.email in seeded.output
    assert DEMO_PASSWORD in seeded.output
    admin = next(u for u in users if u.role == "admin")
    assert authenticate(admin.email, DEMO_PASSWORD) == admin


def test_seed_demo_template_has_the_programmes_milestones(seeded):
    [template] = db.session.scalars(db.select(AccreditationTemplate)).all()

    assert [s.name for s in template.stages] == [
        "Document submission",
        "Compliance review",
        "Final approval",
    ]
    required = [r for s in template.stages for r in s.requirements if r.required]
    assert len(required) >= 5


def test_seed_demo_accreditations_are_at_three_different_stages(seeded):
    """One untouched, one with changes requested, one two milestones in; and
    one decided."""
    accreditations = db.session.scalars(db.select(Accreditation).order_by(Accreditation.id)).all()
    assert len(accreditations) == 4
    by_partner = {a.partner.acronym: a for a in accreditations}
    assert by_partner.pop("LCH").decision == "accredited"
    # Every partner of the programme has one; the prospects none (not yet, or not to be).
    assert {a.partner_id for a in accreditations} == {
        p.id for p in db.session.scalars(db.select(Partner).filter_by(status="active"))
    }

    def statuses(accreditation) -> list[str]:
        return list(
            db.session.scalars(
                db.select(Submission.status).filter_by(accreditation_id=accreditation.id)
            )
        )

    fresh = by_partner["HAI"]
    assert statuses(fresh) == []
    assert all(m.completed_at is None for m in fresh.milestones)

    sent_back = by_partner["NDST"]
    assert "changes_requested" in statuses(sent_back)
    assert any(a.kind == "revise" for a in progress(sent_back, local_today()).actions)

    advanced = by_partner["MCTA"]
    assert [m.completed_at is not None for m in advanced.milestones] == [True, True, False]
    assert advanced.completed_at is None

    percents = [progress(a, local_today()).percent for a in (fresh, sent_back, advanced)]
    assert percents[0] < percents[1] < percents[2]


def test_seed_demo_has_a_survey_with_named_and_anonymous_answers(seeded):
    survey = db.session.scalar(db.select(Survey).where(Survey.active))
    assert survey.allows_anonymous and len(survey.questions) == 4
    invitations = db.session.scalars(db.select(SurveyInvitation)).all()
    assert len(invitations) == 3 and sum(i.answered_on is not None for i in invitations) == 2
    responses = db.session.scalars(db.select(SurveyResponse)).all()
    assert sorted(r.user_id is None for r in responses) == [False, True]


def test_seed_demo_twice_changes_nothing(runner, seeded):
    rows, files = _row_counts(), stored_files()

    again = runner.invoke(args=["seed-demo"])

    assert again.exit_code == 0, again.output
    assert "Demo data already present." in again.output
    db.session.expire_all()
    assert _row_counts() == rows
    assert stored_files() == files


def test_create_admin_takes_the_password_from_the_environment(runner):
    result = runner.invoke(
        args=["create-admin", "--email", "Boss@Example.org", "--name", "Bo Boss"],
        env={"ADMIN_PASSWORD": "a-long-admin-password"},
    )

    assert result.exit_code == 0, result.output
    assert "Administrator boss@example.org created." in result.output
    user = authenticate("boss@example.org", "a-long-admin-password")
    assert user is not None
    assert (user.name, user.role, user.is_admin) == ("Bo Boss", "admin", True)
    assert "a-long-admin-password" not in user.password_hash
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="user_created"))
    assert event.object_id == user.id


def test_create_admin_takes_the_password_as_an_option(runner):
    result = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "boss@example.org",
            "--name",
            "Bo Boss",
            "--password",
            "another-long-password",
        ]
    )

    assert result.exit_code == 0, result.output
    assert authenticate("boss@example.org", "another-long-password").role == "admin"


@pytest.mark.parametrize(
    ("email", "password", "complaint"),
    [
        ("boss@example.org", "short", "at least 10 characters"),
        ("not-an-email", "a-long-admin-password", "--email"),
    ],
)
def test_create_admin_refuses_a_bad_email_or_short_password(runner, email, password, complaint):
    result = runner.invoke(
        args=["create-admin", "--email", email, "--name", "Bo Boss", "--password", password]
    )

    assert result.exit_code != 0
    assert complaint in result.output
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_create_admin_refuses_an_email_that_already_has_an_account(runner, make_user):
    make_user("boss@example.org", role="manager")

    result = runner.invoke(
        args=["create-admin", "--email", "boss@example.org", "--name", "Bo Boss"],
        env={"ADMIN_PASSWORD": "a-long-admin-password"},
    )

    assert result.exit_code != 0
    assert "already has an account" in result.output
    [user] = db.session.scalars(db.select(User)).all()
    assert user.role == "manager"


def test_seed_demo_shows_data_sets_and_bank_details_with_a_change_waiting(seeded):
    from portal.models import BankAccount, BankDetailsChange, DataSet, DataSetAssignment

    assert db.session.scalar(db.select(db.func.count(DataSet.id))) == 5
    assert db.session.scalar(db.select(db.func.count(DataSetAssignment.id))) == 5
    assert db.session.scalar(db.select(db.func.count(BankAccount.id))) == 2
    (pending,) = db.session.scalars(db.select(BankDetailsChange).filter_by(status="pending")).all()
    main_admin = db.session.scalar(db.select(User).filter_by(email="admin@example.org"))
    assert pending.proposed_by_id != main_admin.id  # so the main demo login can confirm it
