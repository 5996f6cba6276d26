"""Pydantic request / response schemas."""
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class UserBase(BaseModel):
    email: EmailStr
    full_name: str | None = None


class UserCreate(UserBase):
    password: str = Field(min_length=8, max_length=128)


class UserUpdate(BaseModel):
    email: EmailStr | None = None
    full_name: str | None = Field(default=None, max_length=255)


class UserOut(UserBase):
    model_config = ConfigDict(from_attributes=True)
    id: int
    is_admin: bool
    created_at: datetime


class UserInDB(UserOut):
    is_active: bool
    hashed_password: str


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class PasswordReset(BaseModel):
    token: str
    new_password: str = Field(min_length=8, max_length=128)


class ProductIn(BaseModel):
    sku: str = Field(pattern=r"^[A-Z0-9-]{3,64}$")
    name: str = Field(max_length=255)
    description: str = ""
    price: Decimal = Field(gt=0, max_digits=10, decimal_places=2)
    stock: int = Field(ge=0)


class ProductOut(ProductIn):
    model_config = ConfigDict(from_attributes=True)
    id: int


class InventoryUpdate(BaseModel):
    sku: str
    stock: int = Field(ge=0)


class OrderCreate(BaseModel):
    product_id: int
    quantity: int = Field(gt=0, le=100)
    shipping_address: str = Field(min_length=5, max_length=500)


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    product_id: int
    quantity: int
    total: Decimal
    status: str
    shipping_address: str
    created_at: datetime


class CartItem(BaseModel):
    product_id: int
    quantity: int = Field(gt=0, le=100)


class WalletOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    balance: Decimal


class WalletAmount(BaseModel):
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)


class WalletTransfer(WalletAmount):
    to_user_id: int
