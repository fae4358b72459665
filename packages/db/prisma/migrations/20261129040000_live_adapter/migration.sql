-- Socket.IO Postgres adapter (many server nodes): broadcasts go through NOTIFY, and payloads
-- larger than NOTIFY allows are parked here for the other nodes to read. Rows live about 30 s
-- (each node deletes old ones). Accessed by @socket.io/postgres-adapter only, not by Prisma.
CREATE TABLE IF NOT EXISTS "socket_io_attachments" (
    "id" BIGSERIAL UNIQUE,
    "created_at" TIMESTAMPTZ DEFAULT now(),
    "payload" BYTEA
);
