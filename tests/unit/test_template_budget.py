"""An email template has a budget it cannot compose its way around: loop steps,
the size of every value it builds, the size of what it writes, and time. Each
hostile template below is a few dozen characters; without the budget each keeps
a worker busy for minutes or takes hundreds of MB."""

from __future__ import annotations

import pytest

from portal.mail.checks import check_template

HOSTILE = {
    "loops in loops": "{% for a in partner_name * 1000 %}{% for b in partner_name * 1000 %}"
    "{% endfor %}{% endfor %}",
    "a recursive loop": "{% set x = partner_name * 1000 %}{% for a in x recursive %}"
    "{% if loop.depth < 4 %}{{ loop(x) }}{% endif %}{% endfor %}",
    "repeated repetition": "{{ (partner_name * 1000) * 1000 }}",
    "chained powers": "{{ ((9 ** 64) ** 64) ** 64 }}",
    "writing too much": "{% for a in partner_name * 40 %}{{ partner_name * 1000 }}{% endfor %}",
    "concatenation in a loop": "{% for a in partner_name * 1000 %}"
    "{{ (partner_name * 1000) ~ (partner_name * 1000) ~ (partner_name * 1000) }}{% endfor %}",
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_costly_template_is_refused_with_a_reason(app, body):
    problems = check_template("report", "Subject", body, "en")
    assert problems, "the template should have been refused"
    message = " ".join(p.message for p in problems)
    assert any(
        reason in message
        for reason in ("loops run more than", "longer than", "too large", "repetition")
    ), message


def test_an_ordinary_template_stays_well_within_the_budget(app):
    body = (
        "Dear {{ greeting_name }},\n{% for action in remaining_actions %}"
        "- {{ action.title }}{% if action.deadline %} ({{ action.deadline|day }}){% endif %}\n"
        "{% endfor %}{{ partner_name ~ ' / ' ~ programme }}"
    )
    assert check_template("report", "Report for {{ partner_name }}", body, "en") == []
