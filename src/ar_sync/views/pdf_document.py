"""The look every PDF ar-sync writes shares (evidence packs, statements): A4, the bundled DejaVu
Sans (so names in Latin, Greek and Cyrillic scripts print), headings, wrapped lines and ruled
tables. fpdf2 is imported when a document is made, not when this module is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

FONTS = Path(__file__).parent / "fonts"
FONT = "DejaVu"


class PdfDocument:
    """One A4 document; ``pdf`` is the fpdf2 ``FPDF`` for anything the helpers do not cover.
    ``created`` is stamped as its creation date (fixed by the caller, so the same content gives
    the same bytes)."""

    def __init__(self, *, title: str, author: str, created: datetime) -> None:
        from fpdf import FPDF
        from fpdf.fonts import FontFace

        self.pdf: Any = FPDF(format="A4")
        self.pdf.set_creation_date(created)
        self.pdf.set_title(title)
        self.pdf.set_author(author)
        self.pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf.add_page()
        self._bold = FontFace(emphasis="BOLD")

    def heading(self, text: str, size: int = 12) -> None:
        """A bold heading of ``size`` points; the body text after it is 9-point."""
        self.pdf.ln(3)
        self.pdf.set_font(FONT, "B", size)
        self.pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font(FONT, "", 9)

    def line(self, text: str) -> None:
        """A line of body text, wrapped to the page."""
        self.pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")

    def table(self, widths: Sequence[int], header: Sequence[str],
              rows: Sequence[Sequence[str]], align: Sequence[str]) -> None:
        """A ruled table (column ``widths`` in mm, ``align`` per column: "LEFT"/"RIGHT"...)
        with a bold header; "None." when there are no ``rows``."""
        if not rows:
            self.line("None.")
            return
        with self.pdf.table(col_widths=tuple(widths), text_align=tuple(align),
                            headings_style=self._bold, line_height=5,
                            first_row_as_headings=True) as grid:
            for values in (header, *rows):
                row = grid.row()
                for value in values:
                    row.cell(value)

    def output(self) -> bytes:
        return bytes(self.pdf.output())
