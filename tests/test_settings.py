from pathlib import Path

import pytest

from ollama_client_setup.base.errors import SettingsError
from ollama_client_setup.base.exitcodes import ExitCode
from ollama_client_setup.config import settings


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_when_no_file(tmp_path: Path) -> None:
    loaded = settings.load(tmp_path / "none.toml")
    assert (loaded.host, loaded.port, loaded.model, loaded.source) == (
        "ollama-server",
        11434,
        None,
        None,
    )


def test_round_trip_keeps_comments_and_changes_only_changed_keys(tmp_path: Path) -> None:
    text = (
        '# my notes\n[server]\nhost = "box"  # the GPU box\nport = 11434\n\n'
        '[model]\ndefault = "a:1b"\n\n[shells]\nmanaged = ["bash"]\n'
    )
    path = write(tmp_path / "s.toml", text)
    loaded = settings.load(path)
    rendered = settings.render(loaded.with_changes(model="b:2b"), text)
    assert rendered == text.replace('"a:1b"', '"b:2b"') + "\n[clients]\nmanaged = []\n"
    assert settings.parse(rendered, path).model == "b:2b"


def test_malformed_toml_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "s.toml", '[server]\nhost = "a"\nport = = 3\n')
    with pytest.raises(SettingsError) as err:
        settings.load(path)
    assert f"{path}:3:" in err.value.message
    assert "not valid TOML" in err.value.message


def test_duplicate_key_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "s.toml", '[server]\nhost = "a"\nhost = "b"\n')
    with pytest.raises(SettingsError) as err:
        settings.load(path)
    assert f"{path}:3:1: not valid TOML" in err.value.message
    assert "host" in err.value.message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[server]\nport = 99999\n", "[server] port = 99999: the port 99999 is outside"),
        ('[server]\nport = "x"\n', "expected a whole number"),
        ('[server]\nhost = "a b"\n', "not a valid host name"),
        ('[server]\nhost = "http://x:1"\n', "looks like a URL"),
        ('[model]\ndefault = "m$(id)"\n', "characters Ollama model names never have"),
        ('[shells]\nmanaged = ["tcsh"]\n', "unknown shell 'tcsh'"),
        ('[servr]\nhost = "a"\n', "unknown setting [servr]"),
        ('[server]\nhots = "a"\n', "unknown key 'hots' in [server]"),
        ("server = 3\n", "[server] must be a table"),
    ],
)
def test_invalid_values_name_key_and_value(tmp_path: Path, text: str, fragment: str) -> None:
    path = write(tmp_path / "s.toml", text)
    with pytest.raises(SettingsError) as err:
        settings.load(path)
    assert fragment in err.value.message
    assert str(path) in err.value.message


def test_non_utf8_settings_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(b'[server]\nhost = "caf\xe9"\n')
    with pytest.raises(SettingsError, match="not UTF-8"):
        settings.load(path)


def test_the_flag_that_sets_a_bad_value_repairs_it(sandbox_home: Path) -> None:
    from tests.fakes.ollama import FakeOllama
    from tests.helpers import init_at, run

    path = sandbox_home / ".config" / "ollama-client-setup" / "settings.toml"
    path.parent.mkdir(parents=True)
    path.write_text('# mine\n[server]\nhost = "127.0.0.1"\nport = "abc"\n')
    failed = run("status", code=ExitCode.REFUSED)
    assert "[server] port = 'abc': expected a whole number" in failed.stderr
    assert "`ollama-client-setup init --port N`" in failed.stderr
    with FakeOllama() as fake:
        init_at(fake.port)  # --port, among the other flags
        port = fake.port
    text = path.read_text()
    assert text.startswith("# mine\n") and f"port = {port}\n" in text
    assert run("status").exit_code == 0
