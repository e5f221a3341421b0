"""Routing: the router (one pipeline for every channel), conversations, choices (typed button data,
and numbered options for channels without buttons: what a typed "2" means), chats, handled updates
(the repeated-update guard), roles and the grants admins give from the chat.

Writes: `conversations`, `chats`, `handled_updates`, `offered_choices`, `grants`, `invites`, `invite_misses`.
Imports: core only (the router types the services it needs as a Protocol).
"""
