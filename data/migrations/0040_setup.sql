-- First-run setup and the demo: the market's currency (the default of new
-- items' prices) and whether it is the demo market (a banner on every page).
ALTER TABLE market ADD COLUMN currency TEXT NOT NULL DEFAULT 'CNY';
ALTER TABLE market ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
