"""Anti-abuse for anonymous input: rate limits in a store shared by every server process,
the self-hosted challenge after a soft limit, duplicate detection and plain-text cleaning.

Every public submission view (opinions, information requests, topics, consultation, votes)
asks `gongkai.guard.limits.check` before it stores anything and answers a refusal with
`gongkai.guard.limits.refused` (status 429, the form re-rendered with what was typed).
"""
