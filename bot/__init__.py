"""soc2bot core: settings, database, services, audit trail, catalog, commands and messages."""

__version__ = "0.1.0"
