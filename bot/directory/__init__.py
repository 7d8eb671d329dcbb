"""The people directory.

Sync from Slack, Teams or an HR export, owners of work held by leavers, alerts.
"""
