"""The KPI pages as staff and partners use them: who sees what, benchmarks and
their refusals, assessments, coaching calls, and a statement count that does not
grow with the number of partners."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
import pytest

from portal.core import periods
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.models import Assessment, AuditEvent, Benchmark, CheckIn, OutboxEmail
from tests.helpers import token_for


@pytest.fixture
def late(make_partner, staff):
    """Two partners 40 days in, with their first two documents 10 days overdue."""
    started = local_today() - timedelta(days=40)
    return make_partner("Late Alpha", "LA", started_on=started), make_partner(
        "Late Bravo", "LB", started_on=started
    )


def card(page: str, key: str) -> str:
    return re.search(rf'data-kpi="{key}".*?</article>', page, re.S)[0]


def test_staff_read_the_dashboard_partners_are_refused(late, login):
    page = login("manager@example.org").get("/kpis").get_data(as_text=True)
    on_time = card(page, "on_time")
    assert 'data-testid="value">0%' in on_time and ">Act<" in on_time
    assert "0 of 4" in on_time
    stages = re.search(r'data-testid="compliance-by-stage".*?</table>', page, re.S)[0]
    assert "Document submission" in stages and "0 of 4" in stages
    attention = re.search(r'data-testid="attention".*?</section>', page, re.S)[0]
    assert "Late Alpha" in attention and "Late Bravo" in attention
    focal = login(late[0][1].email)
    assert focal.get("/kpis").status_code == 403
    assert focal.get(f"/partners/{late[1][0].id}/kpis").status_code == 403
    assert focal.get("/kpis/benchmarks").status_code == 403


def test_a_partner_sees_its_own_figures_and_the_median_never_another_partner(late, login):
    (alpha, focal, _), (bravo, _, _) = late
    page = login(focal.email).get("/organisation/kpis").get_data(as_text=True)
    assert "Late Alpha" in page and "Late Bravo" not in page and "LB" not in page
    assert 'data-testid="median">0%' in card(page, "on_time")
    assert "review_turnaround" not in page  # the programme team's own figures are staff's
    assert "Document submission document 1" in page  # what would move it: the late ones


def test_a_period_that_cannot_be_read_is_said_and_the_quarter_shown(late, login):
    client = login("manager@example.org")
    page = client.get("/kpis?from=2026-03-01&to=2026-01-01").get_data(as_text=True)
    assert "must end on or after" in page and 'data-testid="kpi"' in page
    empty = client.get("/kpis?period=1990-Q1").get_data(as_text=True)
    assert 'data-testid="value">No data yet' in card(empty, "on_time")


def set_benchmark(client, kpi: str, target: str, warning: str):
    data = {
        "csrf_token": token_for(client),
        "kpi": kpi,
        f"{kpi}-target": target,
        f"{kpi}-warning": warning,
    }
    return client.post("/kpis/benchmarks", data=data)


def test_administrators_set_benchmarks_a_warning_past_the_target_is_refused(late, login):
    admin = login("admin@example.org")
    refused = set_benchmark(admin, "on_time", "80", "90")
    assert refused.status_code == 422
    row = re.search(r'data-kpi="on_time".*?</tr>', refused.get_data(as_text=True), re.S)[0]
    assert "warning threshold goes at or below the target" in row
    assert db.session.scalar(db.select(Benchmark)) is None
    lower = set_benchmark(admin, "days_late", "5", "2")  # lower is better: warning at or above
    assert lower.status_code == 422 and "at or above the target" in lower.get_data(as_text=True)
    assert set_benchmark(admin, "on_time", "abc", "").status_code == 422
    for hostile in ("NaN", "1e309", "-Infinity"):
        assert set_benchmark(admin, "days_late", hostile, "5").status_code == 422, hostile
    assert set_benchmark(admin, "on_time", "80", "60").status_code == 302
    saved = db.session.scalar(db.select(Benchmark))
    assert (saved.kpi, saved.target, saved.warning) == ("on_time", 0.8, 0.6)
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="benchmark_set"))
    page = admin.get("/kpis").get_data(as_text=True)
    assert 'data-testid="target">80%' in card(page, "on_time")
    manager = login("manager@example.org")
    assert set_benchmark(manager, "on_time", "50", "40").status_code == 403
    assert set_benchmark(admin, "no_such_kpi", "1", "1").status_code == 404


def assess(client, partner, **form):
    data = {"csrf_token": token_for(client)} | form
    return client.post(f"/partners/{partner.id}/assessments", data=data)


def test_staff_record_assessments_that_show_and_count(late, login):
    (alpha, _, cycle), (bravo, _, other) = late
    manager = login("manager@example.org")
    missing = assess(manager, alpha, stage=str(cycle.id), note="x")
    assert missing.status_code == 422 and "Choose a rating." in missing.get_data(as_text=True)
    stage = f"{cycle.id}-{cycle.milestones[0].id}"
    foreign = assess(
        manager,
        alpha,
        stage=f"{cycle.id}-{other.milestones[0].id}",
        engagement="4",
        proactivity="4",
    )
    assert foreign.status_code == 422 and "Choose a stage of this cycle." in foreign.get_data(
        as_text=True
    )
    assert (
        assess(manager, alpha, stage=str(other.id), engagement="4", proactivity="4").status_code
        == 404
    )
    assert db.session.scalar(db.select(db.func.count(Assessment.id))) == 0
    saved = assess(
        manager, alpha, stage=stage, engagement="2", proactivity="5", note="<b>Slow</b> to start"
    )
    assert saved.status_code == 302
    page = manager.get(f"/partners/{alpha.id}/kpis").get_data(as_text=True)
    assert "&lt;b&gt;Slow&lt;/b&gt; to start" in page and "Document submission" in page
    assert 'data-testid="value">2 / 5' in card(page, "engagement")


def test_a_partner_past_a_warning_threshold_is_offered_a_coaching_call(late, login, app):
    (alpha, _, _), _ = late
    admin = login("admin@example.org")
    actions = admin.get("/my-actions").get_data(as_text=True)
    rows = re.findall(r'data-testid="coaching-row".*?</li>', actions, re.S)
    offer = f"/partners/{alpha.id}/checkins/new?kpi=on_time"
    assert any("Late Alpha" in r and offer in r for r in rows)
    form = admin.get(offer).get_data(as_text=True)
    assert "Offer a coaching call to Late Alpha" in form and "documents on time" in form
    day = (local_today() + timedelta(days=7)).isoformat()
    response = admin.post(
        f"/partners/{alpha.id}/checkins/new",
        data={
            "csrf_token": token_for(admin),
            "kpi": "on_time",
            "starts_on": day,
            "start_time": "10:00",
            "end_time": "11:00",
            "location": "Call",
            "agenda": "Coaching",
            "repeat": "once",
            "meetings": "1",
        },
    )
    assert response.status_code == 302
    call = db.session.scalar(db.select(CheckIn))
    assert call.kpi == "on_time"
    subjects = db.session.scalars(db.select(OutboxEmail.subject)).all()
    assert any(s.startswith("Coaching call: Late Alpha") for s in subjects)
    again = admin.get("/my-actions").get_data(as_text=True)
    assert not any(
        "Late Alpha" in r and "on_time" in r
        for r in re.findall(r'data-testid="coaching-row".*?</li>', again, re.S)
    )
    bogus = admin.post(
        f"/partners/{alpha.id}/checkins/new",
        data={
            "csrf_token": token_for(admin),
            "kpi": "made_up",
            "starts_on": day,
            "start_time": "10:00",
            "end_time": "11:00",
            "location": "Call",
            "repeat": "once",
            "meetings": "1",
        },
    )
    assert bogus.status_code == 422 and "not one of the KPIs" in bogus.get_data(as_text=True)


def test_the_definitions_are_the_same_words_for_everyone(late, login):
    staff_page = login("manager@example.org").get("/kpis/definitions").get_data(as_text=True)
    partner_page = login(late[0][1].email).get("/kpis/definitions").get_data(as_text=True)
    moved = "A moved deadline counts from the moved date"
    assert moved in staff_page and moved in partner_page
    assert "Review turnaround" in staff_page and "Review turnaround" not in partner_page


def _statements(client, path, count_queries) -> int:
    assert client.get(path).status_code == 200
    with count_queries() as counter:
        assert client.get(path).status_code == 200
    return counter.count


def test_the_pages_cost_the_same_statements_for_2_or_12_partners(
    late, make_partner, login, count_queries, app
):
    app.config["KPI_CACHE_SECONDS"] = 0  # count what computing the figures costs
    manager = login("manager@example.org")
    focal = login(late[0][1].email)
    paths = ["/kpis", f"/partners/{late[0][0].id}/kpis"]
    small = [_statements(manager, p, count_queries) for p in paths]
    small.append(_statements(focal, "/organisation/kpis", count_queries))
    started = local_today() - timedelta(days=40)
    for n in range(10):
        make_partner(f"More {n}", f"M{n}", started_on=started)
    large = [_statements(manager, p, count_queries) for p in paths]
    large.append(_statements(focal, "/organisation/kpis", count_queries))
    print(f"\nstatements (dashboard, staff partner page, partner's page): {small} -> {large}")
    assert large == small


def test_the_figures_export_to_excel_for_power_bi(late, login, staff):
    staff["manager"].can_export = True
    db.session.commit()
    client = login("manager@example.org")
    page = client.get("/kpis").get_data(as_text=True)
    assert 'href="/export/kpis?period=' in page
    response = client.post(
        "/export/kpis",
        data={"csrf_token": token_for(client), "format": "xlsx", "reason": "Quarterly review"},
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    on_time = [r for r in rows if r["KPI"] == "Documents on time"]
    assert [(r["Partner"], r["Value"], r["State"]) for r in on_time] == [
        ("Late Alpha", 0, "Act"),
        ("Late Bravo", 0, "Act"),
    ]
    assert on_time[0]["Target"] == 0.9 and on_time[0]["Events counted"] == 2


def test_figures_are_kept_until_something_is_recorded(late, login, count_queries):
    (alpha, _, cycle), _ = late
    manager = login("manager@example.org")
    path = f"/partners/{alpha.id}/kpis"
    computed = _statements(manager, path, count_queries)  # the second view: kept figures
    assert computed < 15, computed
    stage = f"{cycle.id}-{cycle.milestones[0].id}"
    assert assess(manager, alpha, stage=stage, engagement="5", proactivity="5").status_code == 302
    page = manager.get(path).get_data(as_text=True)
    assert 'data-testid="value">5 / 5' in card(page, "engagement")  # not the kept "no data"


def test_published_figures_are_served_to_power_bi(late, client, runner, make_token):
    assert "published or changed" in runner.invoke(args=["api", "publish"]).output
    secret = make_token(["kpis"])
    body = client.get(
        "/api/v1/kpis?limit=500", headers={"Authorization": f"Bearer {secret}"}
    ).get_json()
    quarter = periods.quarter_of(local_today()).key
    on_time = [r for r in body["data"] if r["kpi"] == "on_time" and r["period"] == quarter]
    partners = {late[0][0].id, late[1][0].id}
    assert {r["partner_id"] for r in on_time} == partners
    assert {(r["value"], r["state"], r["unit"]) for r in on_time} == {(0.0, "act", "percent")}


def _in_french(email: str) -> None:
    from portal.models import User

    user = db.session.scalar(db.select(User).filter_by(email=email))
    user.language = "fr"
    db.session.commit()


def test_the_kpi_pages_read_in_french(late, login):
    (alpha, focal, _), _ = late
    _in_french("manager@example.org")
    _in_french(focal.email)
    staff_client = login("manager@example.org")
    page = staff_client.get("/kpis").get_data(as_text=True)
    assert "Partenaires qui demandent de l'attention" in page
    assert "Documents à temps" in card(page, "on_time") and ">Agir<" in card(page, "on_time")
    assert "Médiane du programme" in page and "Programme median" not in page
    assert re.search(r'class="tick">T[1-4] 20\d\d<', page)  # quarters as French writes them
    assert '">Ce qui est renvoyé, et pourquoi</a> (analyse des examens' in page
    definitions = staff_client.get("/kpis/definitions").get_data(as_text=True)
    assert "Comment les KPI sont calculés" in definitions and "<strong>Bon</strong>" in definitions
    benchmarks = staff_client.get("/kpis/benchmarks").get_data(as_text=True)
    assert "Références" in benchmarks and "Plus haut" in benchmarks
    partner = staff_client.get(f"/partners/{alpha.id}/kpis").get_data(as_text=True)
    assert "Enregistrer une évaluation" in partner and "Évaluations de l'engagement" in partner
    mine = login(focal.email).get("/organisation/kpis").get_data(as_text=True)
    assert "Où nous en sommes" in mine and "Documents en retard" in mine
    # The export stays in English whoever asks for it.
    from portal.kpis.definitions import BY_KEY, english

    with staff_client.application.test_request_context(headers={"Accept-Language": "fr"}):
        assert english(BY_KEY["on_time"].title) == "Documents on time"


def test_the_period_s_days_are_typed_day_first_in_the_page_s_language(late, login):
    _in_french("manager@example.org")
    client = login("manager@example.org")
    page = client.get("/kpis?from=01/12/2026&to=31/12/2026").get_data(as_text=True)
    form = re.search(r'data-testid="period-form".*?</form>', page, re.S)[0]
    assert 'type="date"' not in form and "period-error" not in form
    assert 'name="from" value="01/12/2026"' in form and 'name="to" value="31/12/2026"' in form
    assert 'placeholder="jj/mm/aaaa"' in form  # the page's language, not the browser's
    assert 'value="2026-12-01..2026-12-31" selected' in form  # the range is the period shown
    # ISO days (old links, the export's) still read.
    assert "period-error" not in client.get("/kpis?from=2026-12-01&to=2026-12-31").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    "query, field, words",
    [
        ("from=31/02/2026&to=31/03/2026", "from", "au format jj/mm/aaaa"),
        ("from=01/12/2026&to=12/31/2026", "to", "au format jj/mm/aaaa"),  # month first: no
        ("from=01/12/2026&to=", "to", "Saisissez les deux jours"),
        ("from=31/12/2026&to=01/12/2026", "to", "doit se terminer"),
        ("from=<b>x</b>&to=01/12/2026", "from", "au format jj/mm/aaaa"),
    ],
)
def test_a_day_that_cannot_be_read_is_said_next_to_its_box(late, login, query, field, words):
    _in_french("manager@example.org")
    response = login("manager@example.org").get(f"/kpis?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    error = re.search(r'<p class="error" id="period-error"[^>]*>(.*?)</p>', page, re.S)[1]
    assert words in error and "Affichage de" in error  # and the quarter is shown instead
    box = re.search(rf'<input type="text" name="{field}"[^>]*>', page, re.S)[0]
    assert 'aria-invalid="true"' in box and 'aria-describedby="period-error"' in box
    assert "<b>x</b>" not in page and 'data-testid="kpi"' in page


def test_a_partner_types_its_period_the_same_way(late, login):
    (_, focal, _), _ = late
    page = login(focal.email).get("/organisation/kpis?from=99/99/2026&to=01/12/2026")
    assert page.status_code == 200
    assert "Enter the date as dd/mm/yyyy" in page.get_data(as_text=True)
