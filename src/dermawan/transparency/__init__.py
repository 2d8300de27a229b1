"""A verifiable donation log: an append-only Merkle tree (RFC 6962 / 9162)
with signed tree heads; see docs/transparency.md."""
