"""A torch MLP classifier for tabular CSV data, trained deterministically with a verifiable transcript."""
