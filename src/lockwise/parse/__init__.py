"""Parsing: SQL text -> statements with exact spans and parse trees."""
