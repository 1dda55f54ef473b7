"""Fails when a string a user reads has no Simplified Chinese translation.

Runs makemessages for every app (each app keeps its own locale/), then lists any entry that
is untranslated or fuzzy. Run it after adding strings: it also refreshes the .po files.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GONGKAI = ROOT / ".venv" / "bin" / "gongkai"


def entries(po: Path) -> dict[tuple[str, str], str]:
    """(msgctxt, msgid) -> msgstr of a .po file, read with msgcat's plain output."""
    out = subprocess.run(
        ["msgcat", "--no-wrap", "--sort-output", str(po)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found: dict[tuple[str, str], str] = {}
    context = msgid = None
    for line in out.splitlines():
        if line.startswith("msgctxt "):
            context = line[8:]
        elif line.startswith("msgid "):
            msgid = line[6:]
        elif line.startswith("msgstr ") and msgid not in (None, '""'):
            found[(context or "", msgid)] = line[7:]
            context = msgid = None
    return found


def conflicts(root: Path) -> list[str]:
    """One English string must read the same everywhere: Django merges every app's catalog,
    so two apps translating one msgid differently means one of them silently loses."""
    seen: dict[tuple[str, str], tuple[str, str]] = {}
    problems = []
    for po in sorted((root / "gongkai").glob("*/locale/zh_Hans/LC_MESSAGES/django.po")):
        app = po.parts[-5]
        for key, msgstr in entries(po).items():
            if key in seen and seen[key][1] != msgstr:
                other_app, other = seen[key]
                problems.append(
                    f"{app} and {other_app} translate {key[1]} differently: {msgstr} / {other}"
                )
            seen.setdefault(key, (app, msgstr))
    return problems


def main() -> int:
    problems = []
    for app in sorted((ROOT / "gongkai").iterdir()):
        if not (app / "apps.py").exists():
            continue
        (app / "locale").mkdir(exist_ok=True)
        po = app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
        subprocess.run(
            [GONGKAI, "makemessages", "-l", "zh_Hans", "--no-location", "--no-obsolete", "-v", "0"],
            cwd=app,
            check=True,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "gongkai.settings"},
        )
        if not po.exists():  # an app with no translatable string
            continue
        for flag in ("--untranslated", "--only-fuzzy"):
            out = subprocess.run(
                ["msgattrib", flag, "--no-obsolete", "--no-wrap", str(po)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            entries = [
                line
                for line in out.splitlines()
                if line.startswith("msgid ") and line != 'msgid ""'
            ]
            problems += [f"{po.relative_to(ROOT)}: {flag[2:]}: {e[6:]}" for e in entries]
    problems += conflicts(ROOT)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} strings lack a Chinese translation", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
