"""The built-in text of each editable email in each language: what is used until
an administrator saves a version, and what "restore the default" brings back.

Plain text with Jinja placeholders (mail/email_templates.py renders them in
a sandbox, trim_blocks and lstrip_blocks on: a line holding only a block tag
leaves no blank line behind). The report follows the programme's template:
greeting, current stage, completion, remaining actions each with its deadline,
the sender's name and position, the team's contact and the portal link."""

from __future__ import annotations

# (key, language) -> (subject, body)
DEFAULTS: dict[tuple[str, str], tuple[str, str]] = {
    ("report", "en"): (
        "[{{ programme }}] {% if quarter[1:2] in ['1', '2', '3', '4'] %}Quarterly"
        "{% else %}Monthly{% endif %} Accreditation Progress Report for {{ partner_name }}",
        """Dear {{ greeting_name }},

{% if intro %}
{{ intro }}

{% endif %}
This is the progress report for {{ quarter }} on the accreditation of {{ partner_name }} \
with the {{ programme }}.

Current stage: {{ stage }}
Completion: {{ completion|percent }}

{% if remaining_actions %}
Remaining actions:
{% for action in remaining_actions %}
- {{ action.title }}{% if action.deadline %} (deadline: {{ action.deadline|day }}){% endif %}

{% endfor %}
{% else %}
There are no remaining actions.
{% endif %}
{% if next_deadline %}

Next deadline: {{ next_deadline|day }}
{% endif %}

See the details and upload documents in the portal: {{ portal_link }}

Kind regards,
{{ sender_name }}
{{ sender_position }}
{{ team_contact }}
""",
    ),
    ("report", "fr"): (
        "[{{ programme }}] Rapport {% if quarter[1:2] in ['1', '2', '3', '4'] %}trimestriel"
        "{% else %}mensuel{% endif %} d'avancement de l'accréditation de {{ partner_name }}",
        """Bonjour {{ greeting_name }},

{% if intro %}
{{ intro }}

{% endif %}
Voici le rapport d'avancement pour {{ quarter }} sur l'accréditation de {{ partner_name }} \
auprès du {{ programme }}.

Étape actuelle : {{ stage }}
Avancement : {{ completion|percent }}

{% if remaining_actions %}
Actions restantes :
{% for action in remaining_actions %}
- {{ action.title }}{% if action.deadline %} (échéance : {{ action.deadline|day }}){% endif %}

{% endfor %}
{% else %}
Il ne reste aucune action.
{% endif %}
{% if next_deadline %}

Prochaine échéance : {{ next_deadline|day }}
{% endif %}

Consultez les détails et déposez vos documents sur le portail : {{ portal_link }}

Cordialement,
{{ sender_name }}
{{ sender_position }}
{{ team_contact }}
""",
    ),
    ("reminder", "en"): (
        "[{{ programme }}] Reminder: {% if items|length == 1 %}{{ items[0].title }}"
        "{% else %}{{ items|length }} items due{% endif %}",
        """Dear {{ greeting_name }},

{% if partner_name %}
This is a reminder of what {{ partner_name }} still has to do for the {{ programme }}:
{% else %}
This is a reminder of what is waiting for you in the {{ programme }} portal:
{% endif %}

{% for item in items %}
- {{ item.title }}{% if item.deadline %}: {% if item.overdue %}overdue since{% else %}due\
{% endif %} {{ item.deadline|day }}{% endif %}

{% endfor %}

Open the portal: {{ portal_link }}

The {{ programme }} team
""",
    ),
    ("reminder", "fr"): (
        "[{{ programme }}] Rappel : {% if items|length == 1 %}{{ items[0].title }}"
        "{% else %}{{ items|length }} éléments à traiter{% endif %}",
        """Bonjour {{ greeting_name }},

{% if partner_name %}
Voici un rappel de ce que {{ partner_name }} doit encore faire pour le {{ programme }} :
{% else %}
Voici un rappel de ce qui vous attend sur le portail du {{ programme }} :
{% endif %}

{% for item in items %}
- {{ item.title }}{% if item.deadline %} : {% if item.overdue %}en retard depuis le\
{% else %}à faire avant le{% endif %} {{ item.deadline|day }}{% endif %}

{% endfor %}

Ouvrir le portail : {{ portal_link }}

L'équipe du {{ programme }}
""",
    ),
    ("invitation", "en"): (
        "Your invitation to the {{ programme }} portal",
        """Dear {{ user_name }},

You have been invited to the {{ programme }} partner portal\
{% if partner_name %} as the focal point of {{ partner_name }}{% endif %}.

In the portal you can see where your accreditation stands, upload the documents the \
programme asks for, and read the programme team's feedback.

Set your password here (the link works once, for {{ hours }} hours):
{{ link }}

Your login is this email address: {{ login_email }}

The {{ programme }} team
""",
    ),
    ("invitation", "fr"): (
        "Votre invitation au portail du {{ programme }}",
        """Bonjour {{ user_name }},

Vous êtes invité(e) sur le portail des partenaires du {{ programme }}\
{% if partner_name %} en tant que point focal de {{ partner_name }}{% endif %}.

Sur le portail, vous voyez où en est votre accréditation, vous déposez les documents \
demandés par le programme et vous lisez les retours de l'équipe du programme.

Choisissez votre mot de passe ici (le lien ne fonctionne qu'une fois, pendant {{ hours }} \
heures) :
{{ link }}

Votre identifiant est cette adresse e-mail : {{ login_email }}

L'équipe du {{ programme }}
""",
    ),
    ("welcome", "en"): (
        "Welcome to the {{ programme }} portal",
        """Dear {{ user_name }},

Welcome to the {{ programme }} partner portal. You are now the focal point of \
{{ partner_name }}.

What the portal is: the place where {{ partner_name }} and the programme team follow the \
organisation's accreditation together. You see the current stage, the deadlines and what is \
still to do; you upload the documents the programme asks for and read the reviewers' \
feedback; and you keep your organisation's contact details and reporting preferences current.

How to log in: set your password with this link (it works once, for {{ hours }} hours):
{{ link }}
Afterwards log in with this email address, {{ login_email }}, and your password.

How to read the reports: each progress report shows the current stage, the completion \
percentage (approved required documents over all required documents) and the remaining \
actions, each with its deadline. Overdue items come first.

The {{ programme }} team
""",
    ),
    ("welcome", "fr"): (
        "Bienvenue sur le portail du {{ programme }}",
        """Bonjour {{ user_name }},

Bienvenue sur le portail des partenaires du {{ programme }}. Vous êtes désormais le point \
focal de {{ partner_name }}.

Le portail : l'endroit où {{ partner_name }} et l'équipe du programme suivent ensemble \
l'accréditation de l'organisation. Vous y voyez l'étape en cours, les échéances et ce qui \
reste à faire ; vous déposez les documents demandés par le programme et lisez les retours \
des évaluateurs ; et vous tenez à jour les coordonnées et les préférences de rapport de \
votre organisation.

Pour vous connecter : choisissez votre mot de passe avec ce lien (il ne fonctionne qu'une \
fois, pendant {{ hours }} heures) :
{{ link }}
Connectez-vous ensuite avec cette adresse e-mail, {{ login_email }}, et votre mot de passe.

Lire les rapports : chaque rapport d'avancement indique l'étape en cours, le pourcentage \
d'avancement (documents requis approuvés sur l'ensemble des documents requis) et les actions \
restantes, chacune avec son échéance. Les éléments en retard viennent en premier.

L'équipe du {{ programme }}
""",
    ),
}
