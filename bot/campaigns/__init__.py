"""Policy acknowledgement and training rounds.

Audiences, items, progress, reminders and their messages.
"""
