"""What commune staff feed into the periodic reports (issue 18): work done off-line, the commune's
targets, the free-text sections of a report, and the calendar of reporting deadlines.

- `log`: the activity log (`/ghinhan`): one row per session held (a village meeting, a loudspeaker
  broadcast, posters handed out, a school or company session, a contest), with the number of people
  reached, never who they were; `summary` and `coverage` are what the periodic document reads.
- `targets`: a commune's number of villages and the share it aims to reach.
- `notes`: the free-text sections of a report (difficulties, recommendations) per period and area.
- `periods`: period keys ("2026-Q4", "2026-12", "2026-H2", "2026") and their first and last days.
- `deadlines`: the reporting calendar (preloaded from `content/deadlines.yaml`, editable) and the
  reminders due N days before each deadline; the scheduled job lives in `bot/app/serve.py`.

Writes: `activity_log`, `activity_targets`, `activity_notes`, `report_deadlines`,
`deadline_reminders`. Staff are named by `roles.actor` ("telegram:123") on what they wrote; their
`forget` clears that name and keeps the commune's counts. Imports: core only.
"""
