"""Tables of the concerns domain."""
