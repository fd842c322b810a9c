"""The ledger: workspace, people, teams, accounts, product areas and features, with an audit log.

Every other domain links its records to a ledger feature.
"""
