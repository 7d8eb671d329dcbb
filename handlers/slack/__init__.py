"""Slack front end (slack-bolt); built in a later issue."""
