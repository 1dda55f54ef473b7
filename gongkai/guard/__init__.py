"""Anti-abuse for anonymous input: rate limits in a store shared by every server process,
the self-hosted challenge after a soft limit, duplicate detection and plain-text cleaning.

Every public submission view (opinions, information requests, topics, consultation, votes)
asks `gongkai.guard.limits.check` before it stores anything and answers a refusal with
`gongkai.guard.limits.refused` (status 429, the form re-rendered with what was typed); each
public form includes ``{% include "guard/challenge.html" %}`` (context ``guard``: the verdict).
The challenge past the soft limit is asked and verified inside `check` (``guard_token`` and
``guard_answer`` in request.POST); views never see it otherwise.

Beside the limits, for what the public sends:

- `gongkai.guard.text.clean(value, max_length=…, multiline=…, required=…)`: plain text, tags
  stripped, never markup, NUL and lone surrogates refused with gongkai.validation's sentences;
- `gongkai.guard.duplicates.is_duplicate(action, organization, text, reference)`: the earlier
  reference (e.g. the tracking code) when the same text came to the same organization within
  the window, else None (and this one is recorded); `forget` when storing failed after all;
- `gongkai.guard.uploads.check(upload)` / `check_all(uploads)`: a file by its bytes, bounded,
  read in the sandbox and scanned like a disclosure attachment;
- `gongkai.guard.tracking`: tracking codes.

A page (portal, kiosk) and the API use the same functions: the API answers a refused
verdict with 429, `Retry-After` and the verdict's message (and, when ``challenge`` is set,
its ``question`` and ``token``: the client sends them back as the headers X-Guard-Token and
X-Guard-Answer).
"""
