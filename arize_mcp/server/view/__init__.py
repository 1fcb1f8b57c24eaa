"""The run view's document: sources in src/ (run.html, run.css, run.js), built by build.py into
run.html here, the one self-contained file the server serves (package data)."""
