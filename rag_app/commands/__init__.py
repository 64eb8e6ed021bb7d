"""Console scripts: thin shells over the Assistant (`rag-ask`, `rag-serve`, `rag-ingest`, `rag-eval`, `rag-calibrate`, `rag-bench`)."""
