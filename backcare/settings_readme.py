"""The README's settings table, made from the declarations in :mod:`backcare.settings_fields`.

``python -m backcare.settings --write-readme`` puts it between the README's two marker comments;
a test fails when the README's copy differs.
"""

from __future__ import annotations

from pathlib import Path

from pydantic.fields import ModelField

from backcare.settings_fields import REPO_ROOT, Settings, env_name

README = REPO_ROOT / "README.md"
TABLE_START = (
    "<!-- settings table: made by `python -m backcare.settings --write-readme`; edit backcare/settings_fields.py -->"
)
TABLE_END = "<!-- end of settings table -->"


def _default_shown(field: ModelField) -> str:
    if "shown" in field.field_info.extra:
        return str(field.field_info.extra["shown"])
    if field.default is None:
        return "unset"
    if isinstance(field.default, str):
        return f"`{field.default}`"
    return f"{field.default:g}" if isinstance(field.default, float) else str(field.default)


def markdown_table() -> str:
    """The README's settings table: every variable, its default and what it does, in field order."""
    rows = ["| variable | default | what |", "| --- | --- | --- |"]
    for name, field in Settings.__fields__.items():
        rows.append(f"| `{env_name(name)}` | {_default_shown(field)} | {field.field_info.description} |")
    return "\n".join(rows)


def readme_table(readme: str) -> str:
    """The settings table as it stands in the README text, between its two marker comments."""
    start, end = readme.find(TABLE_START), readme.find(TABLE_END)
    if start < 0 or end < start:
        raise ValueError(f"README.md has no settings table between {TABLE_START!r} and {TABLE_END!r}.")
    return readme[start + len(TABLE_START) : end].strip()


def write_readme_table(path: Path = README) -> bool:
    """Put :func:`markdown_table` between the README's markers; True if the file changed."""
    text = path.read_text(encoding="utf-8")
    current = readme_table(text)
    if current == markdown_table() and f"\n\n{current}\n\n" in text:
        return False
    start = text.index(TABLE_START) + len(TABLE_START)
    # Blank lines around the table: a Markdown table must not touch the HTML comments.
    path.write_text(f"{text[:start]}\n\n{markdown_table()}\n\n{text[text.index(TABLE_END):]}", encoding="utf-8")
    return True
