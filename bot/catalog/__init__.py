"""The SOC 2 control catalog: format, validation, the bundled starter catalog and sync."""
