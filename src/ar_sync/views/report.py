"""The HTML report (``ar-sync report``): one self-contained page per run, charts inline as SVG.

``render_report(reports, generated_at=)`` returns the page for one or more orgs
(``ar_sync.report_data.OrgReport``). Pure: nothing here queries or reads the clock.

The page loads nothing and runs no script: its CSS is inline, each chart is an inline ``<svg>``
drawn by pygal (https://www.pygal.org, LGPL-3.0-or-later, used as a library) with pygal's
tooltip script left out (``js=[]``: it would load from the network) and its comments and config
script stripped (a comment stamps the day it was drawn). Each bar's and point's figure is in
the table under its chart. Each chart's ``<svg>`` has a stable id, ``chart-<name>-<n>``
(``n``: the org's place in the page, from 1), and draws:

- ``aging``: one bar per bucket (``g.bar``), the org's totals at the report's end;
- ``trend``: one bar per bucket and month, stacked (buckets as series, months on the x axis);
- ``dso``: one point per month (``circle.dot``);
- ``collected``: one bar per month;
- ``activity``: one bar per stage that had a contact in the period.

A chart with nothing to draw (no history, no contact) is left out with a line saying why.
Money is ``Decimal`` in the tables and the labels; the charts' geometry alone takes it as
``float`` (pygal computes bar heights in floats); every figure a person reads is formatted from
the ``Decimal``. Amounts are in each org's base currency, grouped (``1,234.50``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ar_sync.money import format_amount

if TYPE_CHECKING:
    from ar_sync.report_data import OrgReport

TEMPLATES = Path(__file__).parent / "templates"
CHART_WIDTH, CHART_HEIGHT = 720, 300  # the SVG's viewBox; the page scales it to its column
# What pygal writes that the page does not need: its comments (one stamps the day it drew) and
# the config script its tooltip script (left out) would read.
_UNUSED = re.compile(r"<!--.*?-->|<script\b[^>]*>.*?</script>", re.DOTALL)
# Bucket colours, youngest (current) to oldest: green through red, so the eye reads risk.
BUCKET_COLOURS = ("#4e9a5b", "#c9b037", "#e08a2e", "#d05a2a", "#a3202b", "#6b1020")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"


def _pygal() -> Any:
    """pygal, without the ``sys.meta_path`` finder its import adds for ``pygal.maps`` plugins
    (unused here): that finder has only ``find_module``, so on Python 3.10 and 3.11 every later
    import that misses (an optional dependency tried) warns ``ImportWarning``, an error under
    the test suite's warnings policy (https://github.com/Kozea/pygal/pull/532, still open)."""
    import sys

    import pygal

    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]
    return pygal


def _style(colours: Sequence[str]) -> Any:
    from pygal.style import Style

    return Style(
        background="transparent", plot_background="transparent", font_family=FONT,
        colors=tuple(colours), foreground="#333", foreground_strong="#222",
        foreground_subtle="#999", opacity=".9", opacity_hover="1",
        label_font_size=11, major_label_font_size=11, legend_font_size=11,
        value_font_size=10, title_font_size=13,
    )


def _svg(chart: Any, chart_id: str) -> Markup:
    """``chart`` drawn as inline SVG with the id ``chart-<chart_id>``, without comments or
    scripts."""
    chart.uuid = chart_id  # pygal's id is a random uuid otherwise: the page would differ per run
    return Markup(_UNUSED.sub("", chart.render(is_unicode=True)))


def _config(**extra: Any) -> dict[str, Any]:
    return {
        "js": [],  # pygal's tooltip script is fetched from the network: leave it out
        "disable_xml_declaration": True,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 6,
        "truncate_legend": -1,
        "x_label_rotation": 0,
        "margin": 8,
        "margin_right": 36,  # room for the last x label, centred on the last point
        **extra,
    }


def _money(currency: str) -> Any:
    return lambda value: format_amount(Decimal(str(value)), currency, grouped=True)


def _point(amount: Decimal, currency: str) -> dict[str, Any]:
    """A chart value: its height as a float, its label from the Decimal."""
    return {"value": float(amount), "label": format_amount(amount, currency, grouped=True)}


def _month_label(day: date) -> str:
    return day.strftime("%b %Y")


def aging_chart(report: OrgReport, n: int) -> Markup:
    """One bar per bucket: the org's aging totals at the report's end."""
    pygal = _pygal()

    currency = report.aging.base_currency
    chart = pygal.Bar(**_config(show_legend=False, value_formatter=_money(currency)),
                      style=_style(BUCKET_COLOURS))
    names = report.aging.bucket_names
    chart.x_labels = list(names)
    chart.add(f"Receivables ({currency})", [
        {**_point(report.aging.totals[name], currency), "color": colour}
        for name, colour in zip(names, BUCKET_COLOURS, strict=False)
    ])
    return _svg(chart, f"aging-{n}")


def trend_chart(report: OrgReport, n: int) -> Markup | None:
    """The aging at each month end, stacked by bucket (a bar per bucket and month)."""
    if not report.months:
        return None
    pygal = _pygal()

    currency = report.aging.base_currency
    chart = pygal.StackedBar(**_config(value_formatter=_money(currency),
                                       legend_at_bottom=False),  # beside: buckets are few
                             style=_style(BUCKET_COLOURS))
    chart.x_labels = [_month_label(m.month_end) for m in report.months]
    for name in report.aging.bucket_names:
        chart.add(name, [_point(m.totals[name], currency) for m in report.months])
    return _svg(chart, f"trend-{n}")


def dso_chart(report: OrgReport, n: int) -> Markup | None:
    """DSO at each month end, a point per month."""
    if not report.measures:
        return None
    pygal = _pygal()

    chart = pygal.Line(**_config(show_legend=False, value_formatter=lambda v: f"{v:.1f}",
                                 dots_size=4),
                       style=_style(("#2f6db5",)))
    chart.x_labels = [_month_label(m.month_end) for m in report.measures]
    chart.add("DSO (days)", [{"value": float(m.dso), "label": f"{m.dso} days"}
                             for m in report.measures])
    return _svg(chart, f"dso-{n}")


def collected_chart(report: OrgReport, n: int) -> Markup | None:
    """Cash collected in each month, a bar per month."""
    if not report.measures:
        return None
    pygal = _pygal()

    currency = report.aging.base_currency
    chart = pygal.Bar(**_config(show_legend=False, value_formatter=_money(currency)),
                      style=_style(("#3a8f7a",)))
    chart.x_labels = [_month_label(m.month_end) for m in report.measures]
    chart.add(f"Collected ({currency})", [_point(m.collected, currency)
                                          for m in report.measures])
    return _svg(chart, f"collected-{n}")


def activity_chart(report: OrgReport, n: int) -> Markup | None:
    """Contacts per stage in the period, a bar per stage that had one."""
    activity = report.activity
    if not activity.stages:
        return None
    pygal = _pygal()

    chart = pygal.Bar(**_config(show_legend=False, value_formatter=lambda v: f"{v:.0f}"),
                      style=_style(("#7a5ab5",)))
    chart.x_labels = list(activity.stages)
    chart.add("Contacts", [activity.per_stage[stage] for stage in activity.stages])
    return _svg(chart, f"activity-{n}")


# --- the page ----------------------------------------------------------------------------------


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["amount"] = lambda value, currency: format_amount(value, currency, grouped=True)
    env.filters["days"] = lambda value: "" if value is None else str(value)
    env.filters["signed"] = lambda value: "" if value is None else (
        f"+{value}" if value > 0 else str(value)
    )
    env.filters["share"] = lambda value: "" if value is None else f"{value * 100:.2f}%"
    env.filters["month"] = _month_label
    return env


def render_report(reports: Sequence[OrgReport], *, generated_at: datetime) -> str:
    """The page for ``reports`` (one section per org, in order), stamped ``generated_at``
    (shown in UTC)."""
    sections = []
    for n, report in enumerate(reports, start=1):
        sections.append({
            "report": report,
            "currency": report.aging.base_currency,
            "charts": {
                "aging": aging_chart(report, n),
                "trend": trend_chart(report, n),
                "dso": dso_chart(report, n),
                "collected": collected_chart(report, n),
                "activity": activity_chart(report, n),
            },
        })
    template = _environment().get_template("report.html.j2")
    return template.render(
        sections=sections,
        generated_at=generated_at.strftime("%Y-%m-%d %H:%M UTC"),
    )
