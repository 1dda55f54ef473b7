"""`gongkai ledger`: verify the logs, sign and witness heads, make a signing key.

- `verify` walks every log from its first entry (and the old hash chain its checkpoint
  names), exits 0 printing each log's size and root, or exits 1 naming the first bad entry,
  like `makemigrations --check`, so scripts and cron jobs can act on it. `--head FILE`
  checks heads a reader saved (a signed checkpoint per file).
- `witness` signs a head for every log whose last one is a day old and records each log
  root's latest head in the log above it; safe to run twice (cron, daily).
- `keygen PATH` writes a new Ed25519 signing key file (mode 0600).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai.ledger import log as ledger
from gongkai.ledger import notes, verification

COMMAND_HELP = gettext_lazy("Verify the ledger's logs, sign and witness their heads.")
VERIFIED = gettext_lazy("Log %(log)s verified: %(count)d entries, root hash %(hash)s.")
VERIFIED_EMPTY = gettext_lazy("Ledger verified: it has no entries yet.")
FAILED = gettext_lazy("Ledger verification failed at %(where)s: %(reason)s")
ENTRY = gettext_lazy("log %(log)s, entry %(index)d")
LEGACY_VERIFIED = gettext_lazy(
    "The old hash chain verified: %(count)d entries, chain head hash %(hash)s."
)
LEGACY_ENTRY = gettext_lazy("entry %(index)d of the old hash chain")
LOG = gettext_lazy("log %(log)s")
BAD_BATCH_SIZE = gettext_lazy("--batch-size must be a positive number.")
BAD_HEAD_FILE = gettext_lazy("The saved head %(path)s cannot be used: %(problem)s")
SIGNED = gettext_lazy("Signed a new head for log %(log)s.")
WITNESSED = gettext_lazy("Log %(parent)s witnessed log %(log)s at size %(size)d.")
NOTHING_TO_WITNESS = gettext_lazy("Every head is signed and witnessed already.")
KEY_WRITTEN = gettext_lazy("Signing key written to %(path)s; its verifier key is %(vkey)s")
KEY_EXISTS = gettext_lazy("%(path)s exists already; it was left alone.")

EXIT_BAD_LEDGER = 1


class Command(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # argparse needs a real string, so the translated help is fetched only now.
        self.help = str(COMMAND_HELP)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        check = actions.add_parser(
            "verify", help=_("Verify every log in order; exit 1 at the first bad entry.")
        )
        check.add_argument(
            "--batch-size", type=int, default=verification.BATCH, help=_("entries read per query")
        )
        check.add_argument("--database", default=DEFAULT_DB_ALIAS, help=_("the database to verify"))
        check.add_argument(
            "--head",
            action="append",
            default=[],
            metavar="FILE",
            help=_("a signed head saved earlier (a file, or a folder of files); repeatable"),
        )
        check.add_argument("--json", action="store_true", help=_("print a JSON report"))
        witness = actions.add_parser(
            "witness", help=_("Sign day-old heads and record each log's head in the log above.")
        )
        witness.add_argument("--database", default=DEFAULT_DB_ALIAS)
        keygen = actions.add_parser("keygen", help=_("Write a new Ed25519 signing key file."))
        keygen.add_argument("path")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "witness":
            self._witness(options["database"])
        elif action == "keygen":
            self._keygen(Path(options["path"]))
        else:
            self._verify(options)

    def _verify(self, options: dict[str, Any]) -> None:
        if options["batch_size"] < 1:
            raise CommandError(BAD_BATCH_SIZE)
        texts = []
        for name in options["head"]:
            path = Path(name)
            try:
                files = (
                    sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
                )
                texts += [(p, p.read_text(encoding="utf-8")) for p in files]
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(BAD_HEAD_FILE % {"path": path, "problem": exc}) from exc
        saved = []
        for path, text in texts:
            try:
                saved += verification.saved_heads([text])
            except notes.NoteError as exc:
                raise CommandError(BAD_HEAD_FILE % {"path": path, "problem": exc}) from exc
        report = verification.verify(
            using=options["database"], saved=saved, batch_size=options["batch_size"]
        )
        if options["json"]:
            self.stdout.write(json.dumps(verification.as_json(report), ensure_ascii=False))
        elif report.ok:
            if not report.logs:
                self.stdout.write(str(VERIFIED_EMPTY))
            for name, count in report.logs.items():
                message = LEGACY_VERIFIED if name == verification.LEGACY_LOG else VERIFIED
                self.stdout.write(
                    message % {"log": name, "count": count, "hash": report.heads[name]}
                )
        if report.failure is not None:
            failure = report.failure
            if failure.log == verification.LEGACY_LOG:
                where = LEGACY_ENTRY % {"index": failure.index}
            elif failure.index is not None:
                where = ENTRY % {"log": failure.log, "index": failure.index}
            else:
                where = LOG % {"log": failure.log}
            self.stderr.write(FAILED % {"where": where, "reason": failure.reason})
            sys.exit(EXIT_BAD_LEDGER)

    def _witness(self, database: str) -> None:
        done = ledger.witness(using=database)
        for name in done.signed:
            self.stdout.write(SIGNED % {"log": name})
        for parent, name, size in done.witnessed:
            self.stdout.write(WITNESSED % {"parent": parent, "log": name, "size": size})
        if not done.signed and not done.witnessed:
            self.stdout.write(str(NOTHING_TO_WITNESS))

    def _keygen(self, path: Path) -> None:
        try:
            notes.generate_key_file(path)
        except FileExistsError as exc:
            raise CommandError(KEY_EXISTS % {"path": path}) from exc
        signer = notes.load_signer(path, settings.GONGKAI_LEDGER_NAME)
        self.stdout.write(KEY_WRITTEN % {"path": path, "vkey": signer.vkey()})
