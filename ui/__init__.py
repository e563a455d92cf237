"""Small Streamlit rendering helpers shared by several pages (Streamlit imports are allowed here, not in ``xai/``)."""
