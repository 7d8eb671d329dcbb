"""A fictional company with a year of SOC 2 history, for trying soc2bot out."""
