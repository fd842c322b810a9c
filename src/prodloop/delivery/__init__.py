"""Delivery and process health: work items from the tools teams use, flow, delays, ownership
gaps, firefighting, DORA and Monte Carlo forecasts — each tied to ledger features."""
