"""A sent progress report as a PDF (fpdf2), in the report's language.

DejaVu Sans writes every character a French or English report may hold (the
narrow no-break space French puts before "%", dashes, curly quotes). Where that
font is not installed the PDF falls back to Helvetica, whose core encoding is
Latin-1: accented letters are fine, other characters are replaced by their
nearest Latin-1 look-alike.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

from fpdf import FPDF

from portal.core.i18n import format_day, format_percent
from portal.models import ProgressReport
from portal.reports.content import labels, sender_line, stage_text

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
_LATIN1_LOOKALIKES = {
    "\u2013": "-",
    "\u2014": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u202f": " ",
    "\u2009": " ",
    "\u2022": "-",
}


def _font_files() -> tuple[Path, Path] | None:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def latin1(text: str) -> str:
    """`text` with what Latin-1 cannot hold replaced (for the core fonts)."""
    text = "".join(_LATIN1_LOOKALIKES.get(c, c) for c in text)
    text = unicodedata.normalize("NFC", text)
    return text.encode("latin-1", "replace").decode("latin-1")


class _Writer:
    def __init__(self):
        self.pdf = FPDF(format="A4")
        self.pdf.set_margins(20, 20, 20)
        self.pdf.set_auto_page_break(True, margin=20)
        fonts = _font_files()
        if fonts:
            self.pdf.add_font("DejaVu", "", str(fonts[0]))
            self.pdf.add_font("DejaVu", "B", str(fonts[1]))
            self.family, self.clean = "DejaVu", (lambda s: s)
        else:
            self.family, self.clean = "Helvetica", latin1
        self.pdf.add_page()

    def text(self, value: str, size: int = 11, bold: bool = False, gap: float = 2) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.multi_cell(0, size * 0.5, self.clean(value), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(gap)

    def pair(self, label: str, value: str) -> None:
        self.text(f"{label}: {value}")


def report_pdf(report: ProgressReport) -> bytes:
    """The report's content laid out on A4, in its language."""
    content, language = report.content, report.language
    words = labels(language)
    day = date.fromisoformat
    writer = _Writer()
    writer.pdf.set_title(writer.clean(report.subject))
    writer.text(content["programme"], size=10)
    title = words["monthly_title" if content.get("period_kind") == "month" else "title"]
    writer.text(title, size=16, bold=True)
    writer.text(content["partner_name"], size=13, bold=True, gap=4)
    writer.pair(
        words["period"],
        f"{content['period']} ({format_day(day(content['period_start']), language)}"
        f" - {format_day(day(content['period_end']), language)})",
    )
    if report.intro:
        writer.text(report.intro, gap=4)
    writer.pair(words["stage"], stage_text(content, language))
    if content["completion"] is not None:
        writer.pair(words["completion"], format_percent(content["completion"], language))
    next_deadline = content.get("next_deadline")
    writer.pair(
        words["next_deadline"],
        format_day(day(next_deadline), language) if next_deadline else words["none"],
    )
    writer.pdf.ln(2)
    writer.text(words["actions"], size=12, bold=True)
    if not content["actions"]:
        writer.text(words["no_actions"])
    for action in content["actions"]:
        when = format_day(day(action["due_on"]), language)
        late = f" ({words['overdue']})" if action["overdue"] else ""
        writer.text(f"- {action['title']}: {words['due']} {when}{late}", gap=1)
    writer.pdf.ln(4)
    writer.pair(words["sender"], sender_line(content, language))
    if content.get("team_contact"):
        writer.pair(words["contact"], content["team_contact"])
    writer.pair(words["portal"], content["portal_link"])
    return bytes(writer.pdf.output())
