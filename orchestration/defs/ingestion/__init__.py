"""Raw assets: one per entity of the file contract, with their quarantine checks."""
