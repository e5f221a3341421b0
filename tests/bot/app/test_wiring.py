"""The wiring: built once from settings, passed whole to serve, the channels and the terminal."""

from __future__ import annotations

from bot.app.wiring import wire


def test_one_object_holds_settings_services_and_the_routing_table(settings, library):
    app = wire(settings, library=library)
    try:
        assert app.settings is settings and app.services.settings is settings
        assert app.services.storage.read_sync(lambda db: db["outbox"].exists())  # the database is migrated
        assert "start" in app.router.menu_commands
    finally:
        app.close()


def test_given_services_are_used_as_they_are(services):
    app = wire(services.settings, services=services)
    assert app.services is services and app.settings is services.settings
