"""The council's partnerships taken together: partner organisations they share, pairs that may
duplicate each other's work, and what partners put in for each council pound."""
