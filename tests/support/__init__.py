"""What many tests need and none should copy: free ports, server processes, waiting for an event, a clock."""
