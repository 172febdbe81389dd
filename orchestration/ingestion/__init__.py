"""File ingestion: the contract, readers, validation and loading of raw files.

Plain Python (no Dagster): the raw assets in ``orchestration/defs/ingestion`` call
:func:`ingest_entity`, and a notebook or test can call it the same way.
"""

from orchestration.ingestion.contract import CONTRACTS, Column, EntityContract, contract_for
from orchestration.ingestion.loading import (
    EntityResult,
    FileResult,
    discover,
    ingest_entity,
    ingest_file,
)
from orchestration.ingestion.readers import (
    IngestionError,
    MissingColumnError,
    UnreadableFileError,
    file_sha256,
    read_chunks,
)
from orchestration.ingestion.validation import REASONS, ValidationResult, validate

__all__ = [
    "CONTRACTS",
    "REASONS",
    "Column",
    "EntityContract",
    "EntityResult",
    "FileResult",
    "IngestionError",
    "MissingColumnError",
    "UnreadableFileError",
    "ValidationResult",
    "contract_for",
    "discover",
    "file_sha256",
    "ingest_entity",
    "ingest_file",
    "read_chunks",
    "validate",
]
