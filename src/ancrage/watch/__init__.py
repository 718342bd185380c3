"""Opportunity watch: company profiles, matching of notices and lots, alerts, market history."""
