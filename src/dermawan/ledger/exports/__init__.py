"""Auditor exports of the ledger for a period: CSV, an hledger journal, a Beancount file."""
