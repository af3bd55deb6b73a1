"""Measuring the guide: labelled sets, rendered speech, peers, and the published table."""
