package node

// SuggestedAlleys are the alleys first-run setup offers: a market picks
// some, renames them or adds its own. A fresh value each call.
func SuggestedAlleys() []Alley {
	return []Alley{
		{Slug: "flowers", Name: Text{"en": "Flowers", "zh-Hans": "花草", "zh-Hant": "花草"}, Colour: "#c2415d"},
		{Slug: "vintage", Name: Text{"en": "Vintage", "zh-Hans": "旧物", "zh-Hant": "舊物"}, Colour: "#8a5a44"},
		{Slug: "food", Name: Text{"en": "Food", "zh-Hans": "小吃", "zh-Hant": "小吃"}, Colour: "#d9822b"},
		{Slug: "crafts", Name: Text{"en": "Crafts", "zh-Hans": "手作", "zh-Hant": "手作"}, Colour: "#5b7f3a"},
		{Slug: "books", Name: Text{"en": "Books", "zh-Hans": "旧书", "zh-Hant": "舊書"}, Colour: "#3f5f8a"},
		{Slug: "plants", Name: Text{"en": "Plants", "zh-Hans": "绿植", "zh-Hant": "綠植"}, Colour: "#2f855a"},
		{Slug: "inventors", Name: Text{"en": "Inventors", "zh-Hans": "发明家", "zh-Hant": "發明家"}, Colour: "#6b46c1"},
		{Slug: "kids", Name: Text{"en": "Kids", "zh-Hans": "孩子们", "zh-Hant": "孩子們"}, Colour: "#d53f8c"},
	}
}

// DefaultAlley is the alley a stall stands in when the market has none yet
// (the organiser can rename it).
func DefaultAlley() Alley {
	return Alley{Slug: "market", Name: Text{"en": "The market", "zh-Hans": "市集", "zh-Hant": "市集"}, Colour: "#b8322a"}
}

// Setup says which parts of a market's first-run setup are done. The market
// opens (for its residents: the home page stops saying it opens soon) when
// it has a name, an alley and market days.
type Setup struct {
	Named     bool // the organiser (or the demo) named it
	Alleys    bool // it has at least one alley
	Days      bool // its schedule has market days
	Organiser bool // an organiser account exists
}

// Done reports whether the market is set up.
func (s Setup) Done() bool { return s.Named && s.Alleys && s.Days && s.Organiser }
