"""Occurrences of control tasks.

Generated from schedules, their state, completing and skipping them, work lists.
"""
