"""The README's settings table (backcare/settings_readme.py): the README holds the one the declarations make."""

import re

from backcare import settings_readme
from backcare.settings_fields import REPO_ROOT, Settings


def test_the_readme_table_is_the_one_the_module_makes() -> None:
    """Edit the descriptions in backcare/settings_fields.py, then run `python -m backcare.settings --write-readme`."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_readme.readme_table(readme) == settings_readme.markdown_table()
    names = re.findall(r"^\| `([A-Z_]+)` \|", settings_readme.markdown_table(), re.MULTILINE)
    assert names == [name.upper() for name in Settings.__fields__]
