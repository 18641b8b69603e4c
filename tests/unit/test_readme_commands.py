"""Every command the README and docs/reference.md name exists, with the flags they give it.

Each code span and each line of a code block that starts with one of the four CLIs
(``passport``, ``issuer``, ``verifier``, ``wallet``) is read as a command line: the words after
the program that name subcommands are followed down the click tree the program builds, and every
``--flag`` must be an option of the command reached or of a group on the way (``wallet``'s
global options). ``a|b|c`` alternatives are each checked. The role guides themselves are also run
by ``tests/e2e/test_readme_guides.py``.
"""

from __future__ import annotations

import functools
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "README.md", ROOT / "docs" / "reference.md")
PROGRAMS = ("passport", "issuer", "verifier", "wallet")
SPAN = re.compile(r"`([^`\n]+)`")
FENCE = re.compile(r"^```(\w*)\s*$")


@functools.cache
def _tree(program: str) -> Any:
    """The click command tree of ``program`` (typer's vendored click: duck-typed below)."""
    if program == "passport":
        from passport_cli.main import app
    elif program == "issuer":
        from issuer_service.cli import app
    elif program == "verifier":
        from verifier_service.cli import app
    else:
        from wallet_cli.app import app
    return typer.main.get_command(app)


def command_lines(text: str) -> list[tuple[int, str]]:
    """(line number, command text) of every mention of a CLI in code."""
    found: list[tuple[int, str]] = []
    in_block = False
    pending = ""
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line.strip()):
            in_block = not in_block
            continue
        if in_block:
            stripped = line.strip()
            if stripped.endswith("\\"):
                pending += stripped[:-1] + " "
                continue
            stripped, pending = (pending + stripped).strip(), ""
            stripped = re.sub(r"^(\w+=\S+\s+)+", "", stripped)  # VAR=value prefixes
            if stripped.split(" ", 1)[0] in PROGRAMS:
                found.append((number, stripped))
            continue
        for span in SPAN.findall(re.sub(r"<!--.*?-->", "", line)):  # comments: to come
            if span.split(" ", 1)[0] in PROGRAMS and " " in span:
                found.append((number, span))
    return found


def _options(command: Any) -> dict[str, bool]:
    """Every ``--option`` of ``command``: True for a flag, False for one that takes a value."""
    return {
        opt: bool(param.is_flag or param.count)
        for param in command.params
        if param.param_type_name == "option"
        for opt in param.opts + param.secondary_opts
    }


def _words(command: str) -> list[str]:
    command = command.split(" #", 1)[0].replace("...", "").rstrip("&").strip()
    try:
        return shlex.split(command)
    except ValueError:  # an unbalanced quote in prose: check the words before it
        return command.split()


def problems_of(command: str) -> list[str]:
    words = _words(command)
    node = _tree(words[0])
    options = _options(node)
    path = [words[0]]
    problems: list[str] = []
    skip = False
    for word in words[1:]:
        if skip:  # the value of the option before
            skip = False
            continue
        if word.startswith("--"):
            flag = word.split("=", 1)[0]
            if flag not in options and flag != "--help":
                problems.append(f"{' '.join(path)}: no option {flag}")
            else:
                skip = "=" not in word and options.get(flag, True) is False
            continue
        if hasattr(node, "commands"):
            names = word.split("|")
            if all(n in node.commands for n in names):
                if len(names) > 1:  # "suspend|reinstate|revoke": each, with the rest
                    for n in names[1:]:
                        problems += problems_of(command.replace(word, n, 1))
                node = node.commands[names[0]]
                options |= _options(node)
                path.append(names[0])
                continue
            takes_arguments = any(p.param_type_name == "argument" for p in node.params)
            looks_like_a_command = word[0].isalpha() and word.islower() and "." not in word
            if looks_like_a_command and "/" not in word and not takes_arguments:
                problems.append(f"{' '.join(path)}: no command {word!r}")
    return problems


MENTIONS = [
    pytest.param(command, id=f"{path.name}:{number}")
    for path in DOCS
    for number, command in command_lines(path.read_text(encoding="utf-8"))
]


def test_the_docs_name_commands() -> None:
    assert len(MENTIONS) > 60


@pytest.mark.parametrize("command", MENTIONS)
def test_every_mentioned_command_and_flag_exists(command: str) -> None:
    assert problems_of(command) == []


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ("issuer offer TW-0001 --tipe kyc", "issuer offer: no option --tipe"),
        ("verifier audit verfy", "verifier audit: no command 'verfy'"),
        ("wallet --wallet w recieve x", "wallet: no command 'recieve'"),
        ("passport registry suspend|resume DID", "passport registry: no command 'suspend|resume'"),
    ],
)
def test_a_typo_is_found(command: str, problem: str) -> None:
    assert problem in problems_of(command)
