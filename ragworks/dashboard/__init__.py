"""The admin dashboard: data from rollups, drift, alerts, and the pages that show them."""
