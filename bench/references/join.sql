-- pgbench: the reference join's transaction (party row + outbox row), nothing else.
\set r random(1, 64)
BEGIN;
INSERT INTO bench_ref.parties (id, restaurant_id, name, party_size, preference, token_hash, status, joined_at) VALUES (gen_random_uuid(), ('00000000-0000-0000-0000-' || lpad(:r::text, 12, '0'))::uuid, 'Bench', 2, 'any', md5(random()::text || clock_timestamp()::text), 'waiting', now());
INSERT INTO bench_ref.outbox (event_id, type, source, restaurant_id, data, occurred_at) VALUES (gen_random_uuid(), 'waitlist.party.joined.v1', '/bench', ('00000000-0000-0000-0000-' || lpad(:r::text, 12, '0'))::uuid, '{"name": "Bench", "party_size": 2, "preference": "any"}', now());
END;
