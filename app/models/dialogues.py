"""Tables of the dialogues domain."""
