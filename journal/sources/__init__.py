"""Readers of agent logs. Each yields the same normalised `Session` records (see `model`)."""
