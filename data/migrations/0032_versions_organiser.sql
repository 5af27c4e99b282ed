-- Whether the market has an organiser shows on public pages (the home page
-- says the market is still being set up): a new organiser, or an account
-- that becomes or stops being one, moves 'market' and 'pages' as 0030's
-- other triggers do. Other sign-ups move nothing.
CREATE TRIGGER accounts_v_insert AFTER INSERT ON accounts WHEN new.role = 'organiser' BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('market', 'pages');
END;
CREATE TRIGGER accounts_v_role AFTER UPDATE OF role ON accounts WHEN old.role IS NOT new.role BEGIN
	UPDATE versions SET value = value + 1 WHERE name IN ('market', 'pages');
END;
