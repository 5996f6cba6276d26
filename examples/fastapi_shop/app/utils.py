"""Image processing helpers (ImageMagick and jpegoptim)."""
import subprocess
from pathlib import Path

THUMBNAIL_SIZE = "256x256"


def make_thumbnail(source: str) -> str:
    """Write a JPEG thumbnail next to the uploaded image and return its path."""
    target = f"{source.rsplit('.', 1)[0]}_thumb.jpg"
    subprocess.run(f"convert {source} -thumbnail {THUMBNAIL_SIZE} -quality 85 {target}", shell=True, check=True)
    return target


def optimize_image(path: Path) -> None:
    """Strip metadata in place."""
    subprocess.run(["jpegoptim", "--strip-all", "--quiet", str(path)], check=True, timeout=30)
