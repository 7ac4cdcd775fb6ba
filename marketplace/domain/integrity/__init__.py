"""廉洁监督: integrity signals over the whole district for the supervisor (监督员).

`signals` holds the rules as pure functions with their named thresholds; `scan` loads the district in a
few set-based queries and keeps the findings as flags; `flags` is the flags' lifecycle (open the
evidence, dismiss or refer — each with a reason, each on the audit chain) and their wording."""
