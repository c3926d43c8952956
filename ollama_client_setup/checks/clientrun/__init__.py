"""Run each managed client once, headless, the way a new terminal would, and judge the result.

The question is the one users ask: does `aider` (or `claude`, `cn`, `codex`, `opencode`)
really answer from the server after setup? Requests made by this tool itself cannot answer it;
only the client, reading the files and variables the tool wrote, can.

How a client runs (its environment, folder, time limit) is in :mod:`.invocation` and
:mod:`.process`; what each client's command is, its ClientSpec's ``headless`` says.

Judging (:func:`judge.judge`) reads the output as well as the exit code: Aider exits 0 even when
every request failed. The prompt asks for a random word; the word in the answer (not in an
echo of the prompt) is the proof that the server answered. No Click here: smoke and doctor
render the doctor Results this package returns.

The modules: :mod:`.invocation` (what to run: the command, its environment, the prompt),
:mod:`.process` (running a program under a timeout, its output capped), :mod:`.transcript`
(reading the output: cleaned, the failure it describes, an excerpt), :mod:`.judge` (the
verdict and its fix) and :mod:`.runner` (every managed client in turn, one Result for all).
"""
