package node

import "testing"

func TestParsePrice(t *testing.T) {
	tests := []struct {
		amount, cur string
		minor       int64
		code        string
		back        string
	}{
		{"12.50", "CNY", 1250, "", "12.50"},
		{"12.5", "cny", 1250, "", "12.50"},
		{"12", "EUR", 1200, "", "12.00"},
		{"0.05", "USD", 5, "", "0.05"},
		{".5", "USD", 50, "", "0.50"},
		{"1500", "JPY", 1500, "", "1500"},
		{"1.234", "KWD", 1234, "", "1.234"},
		{"12.500", "CNY", 1250, "", "12.50"},
		{"1.5", "JPY", 0, EINVALID, ""},
		{"12.345", "CNY", 0, EINVALID, ""},
		{"-1", "CNY", 0, EINVALID, ""},
		{"abc", "CNY", 0, EINVALID, ""},
		{"1.2.3", "CNY", 0, EINVALID, ""},
		{"", "CNY", 0, EINVALID, ""},
		{"1e5", "CNY", 0, EINVALID, ""},
		{"5", "XYZ", 0, EINVALID, ""},
		{"5", "RMB", 0, EINVALID, ""},
		{"5", "", 0, EINVALID, ""},
		{"99999999999999999999", "CNY", 0, EINVALID, ""},
	}
	for _, tt := range tests {
		p, err := ParsePrice(tt.amount, tt.cur)
		if ErrorCode(err) != tt.code {
			t.Errorf("ParsePrice(%q, %q) err = %v, want code %q", tt.amount, tt.cur, err, tt.code)
			continue
		}
		if tt.code == "" && (p.Minor != tt.minor || p.Amount() != tt.back) {
			t.Errorf("ParsePrice(%q, %q) = %d %q, want %d %q", tt.amount, tt.cur, p.Minor, p.Amount(), tt.minor, tt.back)
		}
	}
	if _, err := ParsePriceKind("swap"); err != nil {
		t.Error(err)
	}
	if _, err := ParsePriceKind("cheap"); ErrorCode(err) != EINVALID {
		t.Error("unknown kind accepted")
	}
}
