"""What every form shares: a domain error shown next to its field, and a
confirmation page carrying what was typed as hidden inputs."""

from __future__ import annotations

from markupsafe import Markup


def attach_error(form, error) -> None:
    """Show a service's DomainError next to the field it names (nested names like
    "contacts-0-email" included), or at the top of the form."""
    target = _find_field(form, error.field) if error.field else None
    if target is not None:
        if not isinstance(target.errors, list):
            target.errors = list(target.errors)
        target.errors.append(error.message)
    else:
        form.form_errors.append(error.message)


def _find_field(form, name: str):
    prefixed = getattr(form, "_prefix", "") + name  # a form made with prefix="..."
    for field in form:
        if field.name in (name, prefixed):
            return field
        if field.type == "FieldList":
            for entry in field.entries:
                if entry.name == name:
                    return entry
                found = _find_field(entry.form, name) if hasattr(entry, "form") else None
                if found is not None:
                    return found
    return None


def hidden_inputs(form) -> Markup:
    """Every value of `form` as hidden inputs: a confirmation page carries what
    was typed back to the server without keeping it anywhere else."""
    pairs: list[tuple[str, str]] = []

    def walk(fields):
        for field in fields:
            if field.type == "FieldList":
                for entry in field.entries:
                    walk(entry.form if hasattr(entry, "form") else [entry])
            elif field.type in ("SubmitField", "CSRFTokenField"):
                continue
            elif field.type == "MultiCheckboxField":
                pairs.extend((field.name, str(v)) for v in field.data or [])
            elif hasattr(field, "_value"):  # text-like: the value as typed
                pairs.append((field.name, field._value()))
            else:  # selects and radios
                pairs.append((field.name, "" if field.data is None else str(field.data)))

    walk(form)
    return Markup("\n").join(
        Markup('<input type="hidden" name="{}" value="{}">').format(name, value)
        for name, value in pairs
    )
