"""Chat front door shared by every platform.

The port, the command language, one dispatcher for commands and buttons.
"""
