"""Safe rewrites: turn an unsafe migration into the zero-downtime sequence of migrations."""
