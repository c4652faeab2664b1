"""Test helpers (real git repositories, fake agent homes). Not part of the shipped package."""
