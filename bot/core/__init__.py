"""The core: messages (Incoming, Reply, ChatKey), settings, storage (one writer thread), migrations,
the outbox, content and templates, rich text, text normalisation, clock, money, paths, logging,
anonymous usage counts (tally), fitted model weights as files (weights).

Writes: the schema (migrations create every table, `meta`), `outbox`, `usage_counts`.
Imports: nothing of ours; everything else may import it.
"""
