"""Program posture and personal work lists as SQL aggregates, cached per change."""
