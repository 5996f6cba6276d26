from fastapi import APIRouter, Body, Depends, HTTPException, Query, status
from sqlalchemy.orm import Session

from app import models, schemas
from app.database import get_db, purge_completed, search_todos
from app.security import get_current_user

router = APIRouter(
    prefix="/todos",
    tags=["todos"],
    dependencies=[Depends(get_current_user)],
)

PRIORITIES = ["low", "medium", "high"]


@router.get("/", response_model=list[schemas.TodoOut])
def list_todos(
    skip: int = 0,
    limit: int = Query(100, le=500),
    completed: bool | None = None,
    db: Session = Depends(get_db),
    current_user: models.User = Depends(get_current_user),
):
    query = db.query(models.Todo).filter(models.Todo.owner_id == current_user.id)
    if completed is not None:
        query = query.filter(models.Todo.completed == completed)
    return query.order_by(models.Todo.created_at.desc()).offset(skip).limit(limit).all()


@router.get("/priorities", response_model=list[str])
def list_priorities():
    return PRIORITIES


@router.get("/search")
def search(
    q: str = Query(..., min_length=1, max_length=100),
    db: Session = Depends(get_db),
    current_user: models.User = Depends(get_current_user),
):
    return {"results": search_todos(db, current_user.id, q)}


@router.post("/", response_model=schemas.TodoOut, status_code=status.HTTP_201_CREATED)
def create_todo(
    todo: schemas.TodoCreate,
    db: Session = Depends(get_db),
    current_user: models.User = Depends(get_current_user),
):
    db_todo = models.Todo(**todo.model_dump(), owner_id=current_user.id)
    db.add(db_todo)
    db.commit()
    db.refresh(db_todo)
    return db_todo


@router.post("/bulk-complete")
def bulk_complete(
    ids: list[int] = Body(..., embed=True),
    db: Session = Depends(get_db),
    current_user: models.User = Depends(get_current_user),
):
    if not ids:
        raise HTTPException(status_code=400, detail="Please select at least one todo from the list")
    updated = (
        db.query(models.Todo)
        .filter(models.Todo.id.in_(ids), models.Todo.owner_id == current_user.id)
        .update({models.Todo.completed: True}, synchronize_session=False)
    )
    db.commit()
    return {"updated": updated}


@router.delete("/completed")
def delete_completed(
    db: Session = Depends(get_db),
    current_user: models.User = Depends(get_current_user),
):
    return {"deleted": purge_completed(db, current_user.id)}


@router.get("/{todo_id}", response_model=schemas.TodoOut)
def get_todo(todo_id: int, db: Session = Depends(get_db)):
    todo = db.query(models.Todo).filter(models.Todo.id == todo_id).first()
    if todo is None:
        raise HTTPException(status_code=404, detail="Todo not found")
    return todo


@router.patch("/{todo_id}", response_model=schemas.TodoOut)
def update_todo(
    todo_id: int,
    updates: dict = Body(...),
    db: Session = Depends(get_db),
    current_user: models.User = Depends(get_current_user),
):
    todo = (
        db.query(models.Todo)
        .filter(models.Todo.id == todo_id, models.Todo.owner_id == current_user.id)
        .first()
    )
    if todo is None:
        raise HTTPException(status_code=404, detail="Todo not found")

    for field, value in updates.items():
        if hasattr(todo, field):
            setattr(todo, field, value)

    db.commit()
    db.refresh(todo)
    return todo


@router.delete("/{todo_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_todo(
    todo_id: int,
    db: Session = Depends(get_db),
    current_user: models.User = Depends(get_current_user),
):
    todo = (
        db.query(models.Todo)
        .filter(models.Todo.id == todo_id, models.Todo.owner_id == current_user.id)
        .first()
    )
    if todo is None:
        raise HTTPException(status_code=404, detail="Todo not found")
    db.delete(todo)
    db.commit()
