package i18n

import "testing"

func TestMatch(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		prefs []string
		want  string
	}{
		{[]string{"zh-CN,zh;q=0.9,en;q=0.8"}, "zh-Hans"},
		{[]string{"zh"}, "zh-Hans"},
		{[]string{"zh-Hans"}, "zh-Hans"},
		{[]string{"zh-TW,zh;q=0.9"}, "zh-Hant"},
		{[]string{"zh-HK"}, "zh-Hant"},
		{[]string{"zh-Hant"}, "zh-Hant"},
		{[]string{"en-US,en;q=0.9"}, "en"},
		{[]string{"en-GB"}, "en"},
		{[]string{"", "en"}, "en"},
		{[]string{"en", "zh-CN"}, "en"},
		{[]string{"fr-FR"}, "fallback"},
		{[]string{"garbage;;;"}, "fallback"},
		{nil, "fallback"},
	}
	for _, tt := range tests {
		if got := c.Match("fallback", tt.prefs...); got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.prefs, got, tt.want)
		}
	}
}

func TestTranslate(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Localizer("zh-Hans").T("home.hello", "Name", "小明"); got != "小明，又见面了" {
		t.Errorf("zh = %q", got)
	}
	if got := c.Localizer("en").T("home.hello", "Name", "Ming"); got != "Good to see you, Ming" {
		t.Errorf("en = %q", got)
	}
	if got := c.Localizer("en").T("no.such.id"); got != "no.such.id" {
		t.Errorf("missing id = %q", got)
	}
}
