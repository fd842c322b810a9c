"""/api/v1/workspace: name, time zone and currency."""

from __future__ import annotations

from fastapi import APIRouter

from prodloop.ledger import service
from prodloop.ledger.errors import NotFoundError
from prodloop.ledger.schemas import WorkspaceOut, WorkspaceUpdate
from prodloop.web.deps import Admin, DbSession, Reader

router = APIRouter(prefix="/workspace", tags=["workspace"])


@router.get("", response_model=WorkspaceOut)
def get_workspace(db: DbSession, _: Reader) -> WorkspaceOut:
    """The workspace."""
    workspace = service.get_workspace(db)
    if workspace is None:
        raise NotFoundError("no workspace yet; run `prodloop init`", field="workspace")
    return WorkspaceOut.model_validate(workspace)


@router.patch("", response_model=WorkspaceOut)
def update_workspace(data: WorkspaceUpdate, db: DbSession, who: Admin) -> WorkspaceOut:
    """Change the workspace's name, time zone or currency (admins only)."""
    workspace = service.update_workspace(db, data, actor=who.actor)
    db.commit()
    return WorkspaceOut.model_validate(workspace)
