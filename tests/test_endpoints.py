import pytest

from ollama_client_setup.base import validate
from ollama_client_setup.config import endpoints
from ollama_client_setup.config.settings import Settings


def test_values_written_follow_each_clients_shape() -> None:
    values = endpoints.shell_variables(Settings(host="ollama-server", model="qwen2.5-coder:7b"))
    assert values == {
        "OLLAMA_API_BASE": "http://ollama-server:11434",
        "OPENAI_API_BASE": "http://ollama-server:11434/v1",
        "OPENAI_BASE_URL": "http://ollama-server:11434/v1",
        "OPENAI_API_KEY": "ollama",
        "AIDER_MODEL": "ollama_chat/qwen2.5-coder:7b",
    }


def test_no_aider_model_without_a_model() -> None:
    assert "AIDER_MODEL" not in endpoints.shell_variables(Settings())


@pytest.mark.parametrize("given", ["fd7a:115c:a1e0::2", "[fd7a:115c:a1e0::2]"])
def test_ipv6_literals_are_bracketed(given: str) -> None:
    host = validate.check_host(given)
    assert endpoints.server_root(Settings(host=host, port=8080)) == (
        "http://[fd7a:115c:a1e0::2]:8080"
    )


@pytest.mark.parametrize("bad", ["", " box", "a/b", "x;y", "a'b", "$(id)", "a\nb", "-x-.y"])
def test_hostile_hosts_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        validate.check_host(bad)


@pytest.mark.parametrize(
    "good", ["ollama-server", "ollama-server.tail1234.ts.net.", "100.90.1.2", "gpu_box.lan"]
)
def test_real_hosts_accepted(good: str) -> None:
    assert validate.check_host(good)


@pytest.mark.parametrize("good", ["qwen2.5-coder:7b", "hf.co/bartowski/Qwen:Q4_K_M", "llama3"])
def test_model_names_accepted(good: str) -> None:
    assert validate.check_model(good) == good


@pytest.mark.parametrize("bad", ["m'x", "m x", "m`id`", "m\n", "é", "x" * 201])
def test_hostile_model_names_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        validate.check_model(bad)
