"""The Streamlit side: the public chat page, the staff console, and what they share (labels, citations, sign-in, feedback)."""
