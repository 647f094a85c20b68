"""`cutis assess FILE` and `cutis knowledge`: the command line over the clinical core.

Keep imports light: this module's import path is the CLI's start-up time.
"""

from __future__ import annotations

import datetime
import json
import sys

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as True

if TYPE_CHECKING:
    from collections.abc import Sequence

EXIT_INVALID = 2
# commands for the server's operator: Django management commands, run through cutis.web.ops
SERVER_COMMANDS: tuple[str, ...] = (
    "send-reminders",
    "export",
    "backup",
    "restore",
    "sweep-media",
    "issue-api-token",
)
USAGE = """usage: cutis assess FILE|- [--format json|text] [--as-of YYYY-MM-DD]
       cutis knowledge
       cutis send-reminders [--date YYYY-MM-DD]   (server: e-mail owners today's care)
       cutis export [--clinic ID] --output PATH   (server: the clinic data as a zip)
       cutis backup --output DIR|FILE.tar.gz      (server: database and media, with a manifest)
       cutis restore --input DIR|FILE.tar.gz [--force]
       cutis sweep-media [--dry-run] [--grace-minutes N]  (server: what a crash left in media)
       cutis issue-api-token USERNAME NAME        (server: an API token, printed once)
       cutis --version"""


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if args else EXIT_INVALID
    if args[0] == "--version":
        from cutis.core.assess import ENGINE_VERSION

        print(f"cutis {ENGINE_VERSION}")
        return 0
    if args[0] == "knowledge":
        return _knowledge()
    if args[0] == "assess":
        return _assess(args[1:])
    if args[0] in SERVER_COMMANDS:
        return _server_command(args)
    return _fail([f"unknown command {args[0]!r}", USAGE])


def _server_command(args: list[str]) -> int:
    # imported by name: the clinical core's command line must not depend on Django
    import importlib

    ops = importlib.import_module("cutis.web.ops")
    result: int = ops.main(args)
    return result


def _fail(messages: list[str]) -> int:
    for message in messages:
        print(message, file=sys.stderr)
    return EXIT_INVALID


def _assess(args: list[str]) -> int:
    output = "json"
    as_of = datetime.date.today()
    paths: list[str] = []
    while args:
        arg = args.pop(0)
        if arg in ("--format", "--as-of") and not args:
            return _fail([f"{arg}: needs a value", USAGE])
        if arg == "--format":
            output = args.pop(0)
            if output not in ("json", "text"):
                return _fail([f"--format: must be json or text (got {output!r})"])
        elif arg == "--as-of":
            value = args.pop(0)
            try:
                as_of = datetime.date.fromisoformat(value)
            except ValueError:
                return _fail([f"--as-of: must be a date as YYYY-MM-DD (got {value!r})"])
        elif arg.startswith("--"):
            return _fail([f"unknown option {arg!r}", USAGE])
        else:
            paths.append(arg)
    if len(paths) != 1:
        return _fail(["assess takes exactly one case file (or - for standard input)", USAGE])
    path = paths[0]
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        return _fail(
            [f"{path}: cannot read the case ({getattr(error, 'strerror', None) or error})"]
        )
    try:
        document = json.loads(text)
    except ValueError as error:
        detail = getattr(error, "msg", str(error))
        where = (
            f" at line {error.lineno} column {error.colno}"
            if isinstance(error, json.JSONDecodeError)
            else ""
        )
        return _fail([f"case: not valid JSON{where} ({detail})"])
    except RecursionError:
        # no case nests more than a few levels; Python's parser gives up near a thousand
        return _fail(["case: nested too deeply to be a case"])

    from cutis import InvalidCase, assess, load_knowledge, parse_case

    knowledge = load_knowledge()
    try:
        case = parse_case(document, knowledge)
    except InvalidCase as invalid:
        return _fail(invalid.problems)
    assessment = assess(case, knowledge, as_of)
    if output == "text":
        from cutis.core.report import text_report

        sys.stdout.write(text_report(assessment, knowledge))
    else:
        sys.stdout.write(json.dumps(assessment, indent=2, ensure_ascii=False) + "\n")
    return 0


def _knowledge() -> int:
    from cutis import load_knowledge

    knowledge = load_knowledge()
    print(f"knowledge_version: {knowledge.version}")
    print(f"sources: {len(knowledge.sources)}")
    for source in knowledge.sources.values():
        print(f"  {source['id']} [{source['weight']}] {source['citation']} {source['url']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
