"""The audit trail: hash-chain rules, appending and verifying events, history, witnessed heads."""
