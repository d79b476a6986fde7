"""The pledges domain."""
