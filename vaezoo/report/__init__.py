"""Reports: finished runs (results.json) beside the published tables, as markdown."""
