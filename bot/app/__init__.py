"""The composition root: `canhgiac run` (serve every channel, the background loops and scheduled
jobs), one server per database (instance), the child processes that handle Telegram updates with it
(update_processes, `CANHGIAC_UPDATE_PROCESSES`), and the content check with what it reads from the code.

Writes: no table of its own (it drives the owners' jobs).
Imports: anything below it (core … checking, services, handlers, channels); only the cli imports it.
"""
