"""The core every domain stands on.

Settings, database, logs, errors, actors, permissions, the program's calendar, recurrence,
signing, the neutral message model.
"""
