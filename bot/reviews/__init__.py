"""Access reviews.

Start from a list of accounts, decide items with segregation of duties, complete with evidence.
"""
