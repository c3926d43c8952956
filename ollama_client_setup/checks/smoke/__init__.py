"""`smoke`: a few real, small requests against the server, each judged and timed.

The steps run one after another under one time budget; each request gets what is left of it.
Every result is a doctor ``Result`` (ok / warn / fail / skip, a fix, numbers in ``data``), so
the command prints them the way doctor prints its checks. No Click here: cli/smoke.py renders
the :class:`report.SmokeReport` that :func:`steps.run` returns.

The order of the steps is deliberate:

1. ``models``: without the model on the server nothing else can work, so a failure here
   skips the rest with that reason instead of reporting the same 404 six times.
2. ``load``: /api/ps says whether the model is in memory, then one tiny *native* chat runs
   first, loaded or not. A cold load (seconds to minutes) happens inside this request and
   nowhere else, and the native answer reports ``load_duration``, which the OpenAI and
   Anthropic routes do not. So the load time is reported as what it is, and the timings of the
   steps after it (time to first token above all, which a load would inflate and make a healthy
   stream look "buffered") measure a warm model. It sends no num_ctx, like the /v1 requests
   after it (which cannot): if the model was loaded with another context, the reload that
   forces happens here, is reported as such, and does not pollute the chat timing.
3. ``chat``, ``stream``, ``json``, ``tools`` use /v1/chat/completions, the route most clients
   use; they do not depend on each other (a server can fail streaming only), so each runs.
4. ``anthropic`` last: only Claude Code needs it.

Requests never send ``tool_choice`` or ``n``: Ollama does not support them. A thinking
model (``load`` reads its capabilities) gets its reasoning turned off where the request allows
it, and room to reason where it does not (judges.py says what reasoning means).

The package: asks.py holds what the steps send and their limits, report.py the
:class:`report.Step` and :class:`report.SmokeReport` data, runner.py the budget, the timing and
the failures every step shares, steps.py the steps themselves, judges.py what each answer
means.
"""
