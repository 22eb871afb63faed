"""Talking to real PostgreSQL servers: the embedded scratch server and DSN handling."""
