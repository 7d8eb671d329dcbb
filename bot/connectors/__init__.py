"""Access-review sources: pull who has access from GitHub, Okta, Entra, AWS and others."""
