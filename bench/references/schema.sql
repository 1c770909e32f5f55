-- The reference join's two tables: a party row and an outbox row, shaped like the waitlist's.
CREATE SCHEMA IF NOT EXISTS bench_ref;
CREATE TABLE IF NOT EXISTS bench_ref.parties (
    id uuid PRIMARY KEY,
    restaurant_id uuid NOT NULL,
    name text NOT NULL,
    party_size integer NOT NULL,
    preference varchar(16) NOT NULL,
    phone varchar(20),
    token_hash varchar(64) NOT NULL UNIQUE,
    status varchar(16) NOT NULL,
    queue_order bigserial NOT NULL,
    joined_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS parties_queue ON bench_ref.parties (restaurant_id, status, queue_order);
CREATE TABLE IF NOT EXISTS bench_ref.outbox (
    id bigserial PRIMARY KEY,
    event_id uuid NOT NULL UNIQUE,
    type varchar(200) NOT NULL,
    source varchar(200) NOT NULL,
    subject varchar(200),
    restaurant_id uuid,
    data jsonb NOT NULL,
    occurred_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_unpublished ON bench_ref.outbox (id) WHERE published_at IS NULL;
