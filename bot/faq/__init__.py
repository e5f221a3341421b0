"""The FAQ: normalising how people type Vietnamese, matching questions to entries, logging gaps."""
