"""Text from the network never reaches the terminal raw: a model name or an error body with
escape sequences (ESC ] 0;... BEL retitles the terminal, OSC 52 writes its clipboard)."""

from __future__ import annotations

import json

from ollama_client_setup.base.exitcodes import ExitCode
from ollama_client_setup.checks.clientrun import transcript
from tests.fakes.ollama import FakeOllama
from tests.fakes.ollama_models import FakeModel
from tests.helpers import init_at, run

EVIL = "evil\x1b]0;owned\x07:1b"
SHOWN = "evil\\x1b]0;owned\\x07:1b"


def test_model_list_escapes_a_hostile_name_and_marks_it_unusable() -> None:
    with FakeOllama([FakeModel("qwen2.5-coder:7b"), FakeModel(EVIL)]) as fake:
        init_at(fake.port)
        text = run("model", "list").stdout
        data = run("model", "list", "--json").stdout
    assert "\x1b" not in text and "\x07" not in text
    line = next(line for line in text.splitlines() if line.startswith("evil"))
    assert line.startswith(SHOWN) and "a name no client can be given" in line
    assert "\x1b" not in data and SHOWN in json.loads(data)["result"]["models"][0]["name"]


def test_an_error_body_with_escapes_is_shown_escaped() -> None:
    with FakeOllama() as fake:
        init_at(fake.port)
        fake.set_fault("status", status=500, path="/api/chat", message="boom\x1b]52;c;cHduZWQ=\x07")
        result = run("smoke", code=ExitCode.CHECKS_FAILED)
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "boom\\x1b]52;c;cHduZWQ=\\x07" in result.output


def test_a_clients_output_is_shown_escaped() -> None:
    assert transcript.clean("ok\x1b]0;owned\x07\x9b done\r\nnext") == "ok\\x9b done\nnext"
    assert "\x1b" not in transcript.clean("a\x1bP1$r\x1b\\b\x00\x1b")
