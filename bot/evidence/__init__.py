"""Evidence.

Stores (filesystem, S3), content checks, recording, superseding and re-hashing files.
"""
