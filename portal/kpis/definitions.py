"""Every KPI, defined once: what it measures, its formula as the pages show it,
whether higher or lower is better, how its events are aggregated and the
benchmark that applies until an administrator sets one.

`aggregate` says how the events of kpis.events / kpis.snapshots become a figure:
"share" (the mean of 1s and 0s), "mean", "median", or "sum" (a count).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import force_locale, lazy_gettext

from portal.kpis import events, snapshots

GROUPS = {
    "timeliness": lazy_gettext("Timeliness"),
    "quality": lazy_gettext("Quality of documentation"),
    "compliance": lazy_gettext("Compliance"),
    "engagement": lazy_gettext("Engagement (the programme team's view)"),
    "service": lazy_gettext("The programme's own service"),
}


def english(text) -> str:
    """A label as the export and the API write it, whoever asks: in English."""
    with force_locale("en"):
        return str(text)


@dataclass(frozen=True)
class Kpi:
    key: str
    group: str
    # title, formula and advice are lazy_gettext: read in the reader's language
    # (the export and the API write them in English: `english`).
    title: str
    unit: str  # percent, days, working_days, rounds, rating, count
    better: str  # "higher" or "lower"
    aggregate: str  # share, mean, median, sum
    formula: str
    target: float  # the default benchmark: good at or beyond the target,
    warning: float  # watch up to the warning threshold, act beyond it
    # What would move it (the partner's page says it next to the figure).
    advice: str = ""
    events: Callable | None = None  # today -> select of events dated in a period
    snapshot: Callable | None = None  # day -> select of the state on that day
    # Figures about the partner (shown to them) or about the programme team.
    about_partner: bool = True

    def is_better(self, a: float, b: float) -> bool:
        return a > b if self.better == "higher" else a < b


KPIS: tuple[Kpi, ...] = (
    Kpi(
        "on_time",
        "timeliness",
        lazy_gettext("Documents on time"),
        "percent",
        "higher",
        "share",
        lazy_gettext(
            "Required documents handed in on or before their deadline ÷ required documents "
            "whose deadline fell in the period and has passed (or that were handed in). A moved "
            "deadline counts from the moved date; waived documents are left out; a withdrawn "
            "upload does not count as handed in; a valid vault document counts from its upload. "
            "Of a cycle closed without a decision (a merged duplicate's), only what was handed "
            "in counts."
        ),
        0.9,
        0.75,
        lazy_gettext(
            "Upload each document before its deadline; ask for a new date before it passes."
        ),
        events=events.on_time,
    ),
    Kpi(
        "days_late",
        "timeliness",
        lazy_gettext("Median days late"),
        "days",
        "lower",
        "median",
        lazy_gettext(
            "The median, over the same documents, of (day handed in − deadline) in calendar "
            "days: negative is early. A document still missing counts the days it is late so far "
            "(to today, or to the day its cycle ended)."
        ),
        0,
        5,
        lazy_gettext("The documents most overdue move this figure most."),
        events=events.days_late,
    ),
    Kpi(
        "resubmission_days",
        "timeliness",
        lazy_gettext("Days to resubmit"),
        "days",
        "lower",
        "median",
        lazy_gettext(
            'The median number of calendar days from a reviewer\'s "changes requested" to the '
            "upload of the next version, over the documents sent back in the period."
        ),
        10,
        20,
        lazy_gettext("Send the corrected version soon after feedback arrives."),
        events=events.resubmission_days,
    ),
    Kpi(
        "staff_messages_answered",
        "timeliness",
        lazy_gettext("Messages answered in time"),
        "percent",
        "higher",
        "share",
        lazy_gettext(
            "Messages from the programme team answered by the partner within "
            "MESSAGE_ANSWER_WORKING_DAYS working days ÷ messages from the team sent in the period "
            "that have been answered or whose time to answer is up."
        ),
        0.9,
        0.7,
        lazy_gettext("Answer the programme team's messages within a few working days."),
        events=events.staff_messages_answered,
    ),
    Kpi(
        "first_pass",
        "quality",
        lazy_gettext("Approved first time"),
        "percent",
        "higher",
        "share",
        lazy_gettext(
            "Requirements whose first reviewed version was approved ÷ requirements whose first "
            "review was in the period. A version replaced or withdrawn before review is no review."
        ),
        0.8,
        0.6,
        lazy_gettext(
            "Read each requirement's guidance before uploading; the reasons documents were sent "
            "back are listed below."
        ),
        events=events.first_pass,
    ),
    Kpi(
        "review_rounds",
        "quality",
        lazy_gettext("Review rounds per document"),
        "rounds",
        "lower",
        "mean",
        lazy_gettext(
            "The mean number of reviews a requirement took up to and including its approval, "
            "over the approvals in the period."
        ),
        1.3,
        1.8,
        lazy_gettext("Documents that come back again and again raise this figure."),
        events=events.review_rounds,
    ),
    Kpi(
        "compliance",
        "compliance",
        lazy_gettext("Compliance rate"),
        "percent",
        "higher",
        "share",
        lazy_gettext(
            "On the period's last day (or today, for a period still running): applicable required "
            "documents of the partner's current cycle approved, or covered by a vault document "
            "valid that day ÷ applicable required documents of that cycle."
        ),
        0.9,
        0.7,
        lazy_gettext("Each missing or sent-back document lowers it; valid vault documents count."),
        snapshot=snapshots.compliance,
    ),
    Kpi(
        "vault_expiring",
        "compliance",
        lazy_gettext("Vault documents expired or expiring"),
        "count",
        "lower",
        "sum",
        lazy_gettext(
            "On the period's last day (or today): vault documents in use that had expired, or "
            "would expire within %(days)s days.",
            days=snapshots.EXPIRING_DAYS,
        ),
        0,
        1,
        lazy_gettext("Upload the renewed document to the vault before the old one expires."),
        snapshot=snapshots.vault_expiring,
    ),
    Kpi(
        "engagement",
        "engagement",
        lazy_gettext("Engagement with the process"),
        "rating",
        "higher",
        "mean",
        lazy_gettext(
            "The mean of the programme team's engagement ratings (1 poor – 5 excellent) recorded "
            "in the period, after a stage or a cycle."
        ),
        4,
        3,
        lazy_gettext("Taking part in check-ins and answering promptly are what the team rates."),
        events=events.engagement,
    ),
    Kpi(
        "proactivity",
        "engagement",
        lazy_gettext("Resolves issues proactively"),
        "rating",
        "higher",
        "mean",
        lazy_gettext(
            "The mean of the programme team's ratings (1 – 5) of whether the partner resolved "
            "issues before being chased, recorded in the period."
        ),
        4,
        3,
        lazy_gettext("Raise problems early, before a deadline passes."),
        events=events.proactivity,
    ),
    Kpi(
        "review_turnaround",
        "service",
        lazy_gettext("Review turnaround"),
        "working_days",
        "lower",
        "median",
        lazy_gettext(
            "The median number of working days (Monday to Friday) from an upload to the "
            "reviewer's decision, over the decisions made in the period."
        ),
        5,
        8,
        events=events.review_working_days,
        about_partner=False,
    ),
    Kpi(
        "reviews_within_target",
        "service",
        lazy_gettext("Reviews within target"),
        "percent",
        "higher",
        "share",
        lazy_gettext(
            "Decisions made within REVIEW_WORKING_DAYS working days of the upload ÷ decisions "
            "made in the period."
        ),
        0.9,
        0.75,
        events=events.reviews_within_target,
        about_partner=False,
    ),
    Kpi(
        "first_answer_days",
        "service",
        lazy_gettext("Time to first answer"),
        "working_days",
        "lower",
        "median",
        lazy_gettext(
            "The median number of working days from a partner's message to the programme team's "
            "first answer in that thread; a message still waiting counts the days so far."
        ),
        2,
        4,
        events=events.first_answer_days,
        about_partner=False,
    ),
    Kpi(
        "checkins_held",
        "service",
        lazy_gettext("Check-ins held"),
        "percent",
        "higher",
        "share",
        lazy_gettext(
            "Check-ins with notes recorded ÷ check-ins planned in the period whose time has "
            "come (cancelled ones left out)."
        ),
        0.9,
        0.7,
        events=events.checkins_held,
        about_partner=False,
    ),
)
BY_KEY = {kpi.key: kpi for kpi in KPIS}
