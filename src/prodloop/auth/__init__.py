"""Who may use prodloop: users with roles, personal API tokens and login throttling."""
