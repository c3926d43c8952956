"""Run each managed client once, headless, the way a new terminal would, and judge the result.

The question is the one users ask: does `aider` (or `claude`, `cn`, `codex`, `opencode`)
really answer from the server after setup? Requests made by this tool itself cannot answer it;
only the client, reading the files and variables the tool wrote, can.

How a client runs (docs/clients/, "Running each client once, headless"):

- Its environment is what the managed shell files give: this process's environment minus
  every variable that tells a client where its server, model or key is (OPENAI_*,
  ANTHROPIC_*, OLLAMA_*, AIDER_*, CLAUDE_CODE_*, OPENCODE_CONFIG), plus the variables of
  ``targets.shell_env``. A stale export in this shell, or a real cloud key, cannot make a
  run pass or fail. Locations (HOME, XDG_*, CODEX_HOME, CLAUDE_CONFIG_DIR, ...) are kept:
  they say where the files the tool wrote are.
- Claude Code in launcher mode also gets the `claude-ollama` launcher's variables, as that
  launcher would pass them; in settings mode plain `claude` reads settings.json. Either way
  CLAUDE_CODE_MAX_RETRIES=0, or it retries for minutes when the server is down.
- In an empty temporary folder, stdin closed, output captured up to a cap, under a timeout;
  at the timeout the whole process group is killed (Codex never stops reconnecting on its
  own while the server is down).

Judging (:func:`judge.judge`) reads the output as well as the exit code: Aider exits 0 even when
every request failed. The prompt asks for a random word; the word in the answer (not in an
echo of the prompt) is the proof that the server answered. No Click here: smoke and doctor
render the doctor Results this package returns.

The modules: :mod:`.invocation` (what to run: the command, its environment, the prompt),
:mod:`.process` (running a program under a timeout, its output capped), :mod:`.transcript`
(reading the output: cleaned, the failure it describes, an excerpt), :mod:`.judge` (the
verdict and its fix) and :mod:`.runner` (every managed client in turn, one Result for all).
"""
