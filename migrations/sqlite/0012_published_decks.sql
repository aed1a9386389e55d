-- The decks a partnership can see are the shipped ones, its own and every published
-- one. Without an index on "published" that OR read every deck of every partnership
-- (1.6 ms among 10,000 partnerships against 0.06 ms among 10); with it each of the
-- three parts is an index lookup (0.09 ms). SQLite splits an OR over indexes only
-- when every part has a whole index, so this one is not partial as PostgreSQL's is.
CREATE INDEX decks_published ON decks(published);
