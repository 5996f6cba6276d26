import os

DATABASE_URL = os.getenv("DATABASE_URL", "sqlite+aiosqlite:///./chat.db")

JWT_SECRET = os.getenv("JWT_SECRET", "chat-dev-secret-3f9a1c77")
JWT_ALGORITHM = "HS256"
TOKEN_TTL_SECONDS = int(os.getenv("TOKEN_TTL_SECONDS", 12 * 3600))

MAX_MESSAGE_LENGTH = 2000
HISTORY_PAGE_SIZE = 50
