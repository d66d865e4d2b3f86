"""Alert rules over rollups and drift, their states and history, and notifications."""
