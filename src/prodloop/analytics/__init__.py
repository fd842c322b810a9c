"""Product analytics: capture, the event lake and (later) identity and insights."""
