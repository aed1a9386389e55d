-- What the partnership does if an action cannot be done (the health check asks for an
-- action plan with contingency plans). Empty when nobody has said.
ALTER TABLE actions ADD COLUMN contingency TEXT NOT NULL DEFAULT '';
