"""The README's "Trying it" walk, command by command: its two `grants` commands are the ones this
test runs (through the same functions), and every `curl` line in it is sent, as written, to
the app. The lines ``VAR='<…>'`` say what a reader copies from the previous answer; the test
takes the same value from it. So the README cannot promise a walk that does not work."""

import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from grants.demo import DemoAccount, Uploads, seed_demo
from grants.demo_scenario import run_scenario
from grants.guidelines.registry import GuidelineRegistry

README = Path(__file__).resolve().parents[3] / "README.md"
SECTION = "## Trying it"
PASSWORD_PLACEHOLDER = "<printed by demo seed>"
GRANTS_COMMANDS = [["demo", "seed", "--scenario"], ["serve"]]


def section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start : None if end < 0 else end]


def commands(text: str) -> list[list[str]]:
    """The shell commands of the section's ``sh`` blocks, split as a shell splits them (a
    backslash-newline continues a line, quotes may span lines, ``#`` starts a comment)."""
    found: list[list[str]] = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL):
        pending = ""
        for line in block.splitlines(keepends=True):
            pending += line
            if pending.endswith("\\\n") or pending.count("'") % 2:
                continue
            words = shlex.split(pending.replace("\\\n", " "), comments=True)
            if words:
                found.append(words)
            pending = ""
        assert not pending.strip(), f"unfinished command: {pending!r}"
    return found


def _first_draft(answer: Any) -> str:
    drafts = [item for item in answer["items"] if item["status"] == "draft"]
    assert len(drafts) == 1, answer
    return str(drafts[0]["id"])


# What each ``VAR='<…>'`` line tells the reader to take from the previous answer.
TAKEN: dict[str, Callable[[Any], str]] = {
    "TOKEN": lambda answer: str(answer["access_token"]),
    "APP": _first_draft,
}


def _expand(word: str, variables: dict[str, str]) -> str:
    for name, value in variables.items():
        word = word.replace(f"${name}", value)
    assert "$" not in word, f"unknown variable in {word!r}"
    return word


def request_of(
    words: list[str], variables: dict[str, str], accounts: list[DemoAccount]
) -> tuple[str, str, dict[str, str], bytes | None]:
    """A curl command as (method, path, headers, body)."""
    assert words[0] == "curl"
    method, headers, body, url = "GET", {}, None, None
    rest = iter(words[1:])
    for word in rest:
        if word == "-s":
            continue
        if word == "-X":
            method = next(rest)
        elif word == "-H":
            name, _, value = _expand(next(rest), variables).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            data = json.loads(next(rest))
            if data.get("password") == PASSWORD_PLACEHOLDER:
                data["password"] = next(a.password for a in accounts if a.email == data["email"])
            body = json.dumps(data).encode()
            method = method if method != "GET" else "POST"
        else:
            assert not word.startswith("-"), f"curl option the test does not know: {word}"
            url = _expand(word, variables)
    assert url is not None and url.startswith("localhost:8000/"), words
    return method, url.removeprefix("localhost:8000"), headers, body


async def test_every_command_of_trying_it_works(
    db_session: AsyncSession,
    client: httpx.AsyncClient,
    registry: GuidelineRegistry,
    uploads: Uploads,
) -> None:
    walk = commands(section())
    grants = [w[1:] for w in walk if w[0].endswith("grants")]
    assert grants == GRANTS_COMMANDS
    # `grants demo seed --scenario`, as the CLI runs it (the CLI itself: test_demo_cli.py).
    accounts = await seed_demo(db_session, registry=registry, uploads=uploads)
    await run_scenario(db_session, registry=registry, uploads=uploads)

    variables: dict[str, str] = {}
    answers: dict[str, Any] = {}
    last: Any = None
    sent = 0
    for words in walk:
        if words[0].endswith("grants"):
            continue
        if len(words) == 1 and "=" in words[0]:  # VAR='<what to copy>'
            name, _, what = words[0].partition("=")
            assert what.startswith("<") and what.endswith(">"), words
            variables[name] = TAKEN[name](last)
            continue
        method, path, headers, body = request_of(words, variables, accounts)
        response = await client.request(method, path, headers=headers, content=body)
        assert response.status_code < 300, f"{' '.join(words)}\n→ {response.text}"
        sent += 1
        is_json = response.headers["content-type"].startswith("application/json")
        last = response.json() if is_json else response.text
        answers[f"{method} {path.split('?')[0]}"] = last
    assert sent >= 8

    # What the prose around the commands says about their answers.
    ranking = answers["GET /api/evaluation/rankings"]
    entries = [e for line in ranking["lines"] for e in line["entries"]]
    assert len(entries) == 28
    assert {e["evaluations"] for e in entries} == {3}
    for line in ranking["lines"]:
        assert line["budget"] == "6000000.00"
        assert {"funded", "reserve"} <= {e["funding_status"] for e in line["entries"]}
    assert "Nachrückerliste" in answers["GET /api/evaluation/rankings/export.csv"]
    assert answers["POST /api/evaluation/rankings/simulate"]["moved_in"]
    eligibility = next(v for k, v in answers.items() if k.endswith("/eligibility"))
    assert eligibility["submittable"] is True
    receipt = next(v for k, v in answers.items() if k.endswith("/submissions"))
    assert receipt["reference_number"] == "LIfD-demo-S-0001"
    assert [d["kind"] for d in receipt["attachments"]] == ["concept"]
    assert len(answers["POST /api/eligibility-checks"]["results"]) == 15
