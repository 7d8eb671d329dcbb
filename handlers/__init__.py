"""Thin adapters from chat platforms and the command line to the core services."""
