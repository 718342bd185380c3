"""Tests of ancrage.reference."""
