-- The words index again (0031), with what makes every short word one cheap
-- lookup: two CJK letters that stand together are a token of their own
-- beside each letter (shiji_words(), data/cjk.go), so "旧书" is one doclist,
-- not a phrase of two long ones (which cost as much to find nothing when
-- both letters are common); and an index of the first one and two letters
-- of every word (prefix), so "a"* is one doclist, not a merge of every
-- word that starts with a. Words of three letters or more stay with the
-- trigram indexes.
DROP TABLE items_words;
DROP TABLE stalls_words;
CREATE VIRTUAL TABLE items_words USING fts5(title, story, tags, stall, content='', contentless_delete=1, tokenize='unicode61', prefix='1 2');
CREATE VIRTUAL TABLE stalls_words USING fts5(name, story, content='', contentless_delete=1, tokenize='unicode61', prefix='1 2');
INSERT INTO items_words(rowid, title, story, tags, stall)
	SELECT i.id, shiji_words(i.title), shiji_words(i.story), shiji_words(i.tags), shiji_words(s.name) FROM items i JOIN stalls s ON s.id = i.stall_id;
INSERT INTO stalls_words(rowid, name, story) SELECT id, shiji_words(name), shiji_words(story) FROM stalls;
