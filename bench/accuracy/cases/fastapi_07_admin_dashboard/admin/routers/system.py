import os
import subprocess

import yaml
from fastapi import APIRouter, Depends, HTTPException, Query, UploadFile

from admin.auth import require_admin
from admin.config import settings

router = APIRouter(prefix="/system", tags=["system"])


@router.get("/health")
def health():
    return {"status": "ok"}


@router.post("/services/{service}/restart", dependencies=[Depends(require_admin)])
def restart_service(service: str):
    if service not in settings.managed_services:
        raise HTTPException(status_code=404, detail="Unknown service")
    subprocess.run(["sudo", "systemctl", "restart", f"app-{service}.service"], check=True, timeout=60)
    return {"service": service, "status": "restarted"}


@router.get("/logs/{service}")
def tail_logs(service: str, lines: int = Query(200, ge=1, le=5000)):
    output = os.popen(f"tail -n {lines} {settings.log_dir}/{service}.log").read()
    return {"service": service, "lines": output.splitlines()}


@router.post("/config/validate", dependencies=[Depends(require_admin)])
async def validate_config(file: UploadFile):
    try:
        data = yaml.safe_load(await file.read())
    except yaml.YAMLError as exc:
        return {"valid": False, "error": str(exc)}
    return {"valid": isinstance(data, dict), "keys": sorted(data) if isinstance(data, dict) else []}


@router.post("/config/import", dependencies=[Depends(require_admin)])
async def import_config(file: UploadFile):
    data = yaml.load(await file.read(), Loader=yaml.Loader)
    if not isinstance(data, dict):
        raise HTTPException(status_code=400, detail="Config must be a mapping")
    with open(os.path.join(settings.config_dir, "overrides.yaml"), "w") as fh:
        yaml.safe_dump(data, fh)
    return {"imported": sorted(data)}
