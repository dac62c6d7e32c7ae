"""Printed documents: guides, personal plans, referral slips, report PDFs (ReportLab; no Qt).

`fonts` registers the shipped Noto fonts and picks one per script, `text` splits text into script
and direction runs and shapes them, `layout` holds the page formats, `qr` draws the QR code, and
`guide_pdf.render_guide` puts a guide on paper.
"""
