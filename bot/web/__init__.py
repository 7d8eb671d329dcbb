"""The HTTP edge: health, readiness and metrics routes, request limits and middleware."""
