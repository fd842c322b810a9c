"""The experiment registry: experiments on feature flags, from hypothesis to decision record,
and their analysis (metrics from the event lake through the stats engine to a verdict)."""
