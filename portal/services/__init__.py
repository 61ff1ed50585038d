"""Domain operations: plain functions that take the acting user explicitly and never commit."""
