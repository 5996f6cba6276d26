import subprocess
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string


def render_ticket_pdf(booking, paper_size="A4"):
    out_dir = Path(settings.TICKET_OUTPUT_DIR)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / f"{booking.ticket_code}.html"
    pdf_path = out_dir / f"{booking.ticket_code}.pdf"
    qr_path = out_dir / f"{booking.ticket_code}.png"

    subprocess.run(["qrencode", "-o", str(qr_path), booking.ticket_code], check=True, timeout=30)
    html_path.write_text(render_to_string("events/ticket.html", {"booking": booking, "qr": qr_path.name}))
    cmd = f"wkhtmltopdf --page-size {paper_size} --quiet {html_path} {pdf_path}"
    subprocess.run(cmd, shell=True, check=True, timeout=60)
    return pdf_path
