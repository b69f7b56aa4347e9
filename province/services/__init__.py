"""The province's writes, one module per subject."""
