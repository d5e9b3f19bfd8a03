"""The clinic app: staff web pages over the library (docs/app.md), served beside the feeds."""
