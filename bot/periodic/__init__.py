"""Periodic reports for the authorities: the figures of a period and an area, and the documents
staff sign (a Word report in the layout of Vietnamese administrative documents, with charts, and an
XLSX annex by commune and month).

- `periods`: what "2026-Q4", "2026-12", "2026-H2", "2026" or two dates mean, in Vietnam's calendar;
- `inputs`: what others hand in (off-line activities, the staff's free-text sections);
- `figures`: every figure, read through the owners' aggregate functions (reports, subscriptions,
  broadcasts and deliveries, FAQ gaps, the usage counters of `bot/core/tally.py`);
- `charts`, `document`, `annex`: the PNG charts, the .docx and the .xlsx;
- `build`: all of it for an area and a period, as files (`generate`, the CLI) or as bytes
  (`in_memory`: the console's download and the chat's `/baocaoky` send the same files).

Writes nothing. Imports: core, and the owners below the hubs (reporting, broadcast, knowledge).
"""
