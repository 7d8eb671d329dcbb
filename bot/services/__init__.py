"""Platform-neutral domain services: `verb_noun(*, session, …)` functions with typed returns."""
