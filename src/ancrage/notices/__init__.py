"""Calls for tenders (BOAMP, TED eForms) read into one canonical notice model."""
