-- Words of one or two characters, which the trigram index cannot find: an
-- index of words in which every Chinese, Japanese or Korean letter is a word
-- of its own (shiji_words(), data/cjk.go), searched by phrases of letters
-- ("旧 书") and, for one or two Latin letters, by word starts ("tv"*).
-- Latin words of three letters or more stay with the trigram index.
CREATE VIRTUAL TABLE items_words USING fts5(title, story, tags, stall, content='', contentless_delete=1, tokenize='unicode61');
CREATE VIRTUAL TABLE stalls_words USING fts5(name, story, content='', contentless_delete=1, tokenize='unicode61');
INSERT INTO items_words(rowid, title, story, tags, stall)
	SELECT i.id, shiji_words(i.title), shiji_words(i.story), shiji_words(i.tags), shiji_words(s.name) FROM items i JOIN stalls s ON s.id = i.stall_id;
INSERT INTO stalls_words(rowid, name, story) SELECT id, shiji_words(name), shiji_words(story) FROM stalls;
-- Search lists the newest items first by id (one index order with the
-- full-text tables); a search without a word to look up walks this index.
CREATE INDEX items_status_id ON items(status, id DESC);
