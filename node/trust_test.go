package node

import "testing"

func TestSignupProtection(t *testing.T) {
	p := &SignupProtection{Question: "  Which bakery is at the corner? ", Answers: []string{" Old Li's ", "", "old lis", "老李家"}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.Question != "Which bakery is at the corner?" || len(p.Answers) != 2 {
		t.Fatalf("validated: %q %q", p.Question, p.Answers)
	}
	for answer, want := range map[string]bool{
		"Old Li's": true, "old lis": true, "OLD-LI'S!": true, " 老李家 ": true, "老李": false, "": false, "!!!": false, "old li": false,
	} {
		if got := p.Accepts(answer); got != want {
			t.Errorf("Accepts(%q) = %v", answer, got)
		}
	}
	if !(&SignupProtection{}).Accepts("") {
		t.Error("without a question every answer is accepted")
	}
	for _, bad := range []SignupProtection{
		{Question: "Which?"}, {Answers: []string{"x"}}, {Question: string(make([]rune, 301)), Answers: []string{"x"}},
		{Question: "Which?", Answers: []string{string(make([]rune, 101))}},
	} {
		if err := bad.Validate(); ErrorCode(err) != EINVALID {
			t.Errorf("Validate(%+v) = %v", bad, err)
		}
	}
}
