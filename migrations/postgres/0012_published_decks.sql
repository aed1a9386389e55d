-- The decks a partnership can see are the shipped ones, its own and every published
-- one. Without an index on "published" that OR read every deck of every partnership
-- (1.6 ms among 10,000 partnerships against 0.06 ms among 10); with it each of the
-- three parts is an index lookup.
CREATE INDEX decks_published ON decks(published) WHERE published;
