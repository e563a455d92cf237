"""ID-card screen-recapture detection (seed 003): FFT high-pass branch, crops, synthetic cards, DLC-2021 loader,
training, evaluation and explanations. No Streamlit here: the page and the CLI call these functions."""
