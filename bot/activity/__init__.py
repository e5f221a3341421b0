"""What commune staff feed into the periodic reports (issue 18): work done off-line, the commune's
targets, the free-text sections of a report, and the calendar of reporting deadlines.

- `log`: the activity log (`/ghinhan`): one row per session held (a village meeting, a loudspeaker
  broadcast, posters handed out, a school or company session, a contest), with the number of people
  reached, never who they were; `summary` and `coverage` are what the periodic document reads.
- `targets`: a commune's number of villages and the share it aims to reach.
- `notes`: the free-text sections of a report (difficulties, recommendations) per period and area.
- `periods`: period keys ("2026-Q4", "2026-12", "2026-H2", "2026") and their first and last days.
  After confirming, staff of its area change or delete a session (`change`, `remove`).
- `changes`: the audit of those edits and deletions (who, when, day and people before and after).
- `inputs`: what staff type (a day, a count, a deadline's day), read alike in the chat and console.
- `deadlines`: the reporting calendar (preloaded from `content/deadlines.yaml`, editable per area
  by its staff, preloaded ones hidden per area) and the reminders due N days before each deadline;
  the scheduled job lives in `bot/app/serve.py`.
- `scope`: a staff member's areas as the writes check them (`Reach`), and `Refused`, the one
  clear reason a write is not done (a deleted item pressed again, an area not theirs, a bad value).

Writes: `activity_log`, `activity_changes`, `activity_targets`, `activity_notes`, `report_deadlines`,
`deadline_hidden`, `deadline_reminders`. Staff are named by `roles.actor` ("telegram:123") on what they wrote; their
`forget` clears that name and keeps the commune's counts. Imports: core only.
"""
