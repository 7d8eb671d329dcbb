"""Scheduled jobs (APScheduler tickers) built in a later issue; each job opens its own session."""
