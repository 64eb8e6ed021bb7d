"""Loading, cleaning and chunking guides, and the `rag-ingest` command."""
