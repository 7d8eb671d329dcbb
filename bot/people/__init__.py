"""People and their chat identities.

Find them, link identities on first contact, turn them into actors.
"""
