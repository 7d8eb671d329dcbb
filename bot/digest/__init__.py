"""The weekly leadership digest: aggregates, chart, message and queuing it once a week."""
