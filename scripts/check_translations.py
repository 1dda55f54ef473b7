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
                ["msgattrib", flag, "--no-obsolete", str(po)],
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
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} strings lack a Chinese translation", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
