"""Alembic migrations of the soc2bot schema."""
