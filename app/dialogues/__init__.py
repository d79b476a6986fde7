"""The dialogues domain."""
