"""Reminders and escalations.

The reminder policy, each tick's plan, recipients and their messages.
"""
