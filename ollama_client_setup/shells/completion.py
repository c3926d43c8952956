"""Tab completion for the tool itself, as files the tool owns.

Click writes the scripts; they run nothing at shell start (the tool runs only when TAB is
pressed). bash and zsh source them from the interactive start-up file's block; fish
autoloads its completions folder.
"""

from __future__ import annotations

from pathlib import Path

from ollama_client_setup.base import paths

PROG = "ollama-client-setup"
VAR = "_OLLAMA_CLIENT_SETUP_COMPLETE"
SHELLS = ("bash", "zsh", "fish")
HEADER = "# Tab completion for ollama-client-setup; removed by `ollama-client-setup uninstall`.\n"


#: Our own fish script: Click 8.4's fish backend prints three lines per candidate, which
#: fish's command substitution cannot keep together (every completion fails). Click's zsh
#: backend prints the same three lines (type, value, help) in every 8.x release, so fish asks
#: for that and reads it three lines at a time.
FISH = """\
function _ollama_client_setup_completion
    set -l before (commandline -opc)
    set -l current (commandline -ct)
    set -l response (env COMP_WORDS="$before $current" COMP_CWORD=(count $before) \\
        _OLLAMA_CLIENT_SETUP_COMPLETE=zsh_complete ollama-client-setup 2>/dev/null)
    set -l i 1
    while test $i -le (count $response)
        set -l kind $response[$i]
        set -l value (string replace -a '\\:' ':' -- $response[(math $i + 1)])
        set -l help $response[(math $i + 2)]
        set i (math $i + 3)
        switch $kind
            case dir
                __fish_complete_directories $value
            case file
                __fish_complete_path $value
            case plain
                if test "$help" != _
                    printf '%s\\t%s\\n' $value $help
                else
                    printf '%s\\n' $value
                end
        end
    end
end
complete --no-files --command ollama-client-setup --arguments "(_ollama_client_setup_completion)"
"""


def script(shell: str) -> str:
    if shell == "fish":
        return HEADER + FISH
    import click
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    assert cls is not None, shell
    # The bash and zsh scripts name only the program and the variable; the commands are
    # asked of the tool itself when TAB is pressed, so a bare command writes the same script.
    return HEADER + cls(click.Command(PROG), {}, PROG, VAR).source().rstrip("\n") + "\n"


def path(shell: str) -> Path:
    if shell == "fish":
        return paths.xdg_config_home() / "fish" / "completions" / f"{PROG}.fish"
    return paths.config_dir() / f"completion.{shell}"


def source_line(shell: str, quoted_path: str) -> str:
    if shell == "zsh":
        # The script calls compdef, which exists only after compinit: without it, skip quietly.
        return f"if (( $+functions[compdef] )) && [ -f {quoted_path} ]; then . {quoted_path}; fi"
    return f"if [ -f {quoted_path} ]; then . {quoted_path}; fi"
