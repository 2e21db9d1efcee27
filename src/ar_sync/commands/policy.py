"""``ar-sync policy init|check``: write the commented default policy, check a policy file.

Module level stays light (``ar-sync --help`` imports this): the policy modules load inside
the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ar_sync.cli import HELP_STYLE, app, stdout
from ar_sync.errors import ConfigError

if TYPE_CHECKING:
    from ar_sync.collect.policy import Policy

DEFAULT_POLICY_FILE = "ar-sync-policy.toml"

policy_app = typer.Typer(
    help="Collections policies: the ladder of stages, segments, limits, interest, templates.",
    **HELP_STYLE,
)
app.add_typer(policy_app, name="policy")


@policy_app.command("init")
def init(
    path: Annotated[
        Path,
        typer.Argument(help=f"Where to write the policy (default: ./{DEFAULT_POLICY_FILE}).",
                       show_default=False),
    ] = Path(DEFAULT_POLICY_FILE),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write the default policy: commented TOML, every key explained, to edit."""
    from ar_sync.collect.policy_file import default_policy_text

    if path.is_dir():
        raise ConfigError(f"{path}: is a directory; give a file name, e.g. "
                          f"{path / DEFAULT_POLICY_FILE}")
    if path.exists() and not force:
        raise ConfigError(f"{path}: already exists; add --force to overwrite it")
    try:
        path.write_text(default_policy_text(), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror or exc}") from None
    stdout.print(f"Wrote the default policy to {path}; check it with: ar-sync policy check "
                 f"{path}", markup=False, highlight=False)


@policy_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="The policy file (TOML) to check.")],
) -> None:
    """Check a policy file and its templates; every error by line and key (exit 2)."""
    from ar_sync.collect.policy_file import load_policy
    from ar_sync.collect.templates import check_templates

    policy = load_policy(file)
    problems = check_templates(policy, file.parent)
    if problems:
        raise ConfigError("\n".join(problems))
    stdout.print(f"{file}: OK ({policy_summary(policy)})", markup=False, highlight=False)


def policy_summary(policy: Policy) -> str:
    """``7 stages, 6 enabled (friendly +1 ... escalation +60); cap 5 per 30 days; interest
    none; templates built-in; statements not emailed``."""
    enabled = policy.enabled_stages()
    ladder = ", ".join(f"{stage.value} {rule.days:+d}" for stage, rule in enabled)
    folder = policy.templates.folder
    return (
        f"{len(policy.stages)} stages, {len(enabled)} enabled: {ladder}; "
        f"cap {policy.limits.cap_per_30_days} per 30 days; "
        f"interest {policy.interest.scheme.value}; "
        f"templates {'from ' + folder if folder else 'built-in'}; "
        f"statements {'emailed' if policy.statements.email else 'not emailed'}"
    )
