"""Samples for the auditor: reproducible draws from a population, spread across the window."""
