package htmlcheck

import "testing"

func TestCheck(t *testing.T) {
	for _, ok := range []string{
		``, `plain text`, `<p>a <strong>b</strong><br>c</p>`, `<img src="https://x.example/a.png" alt="">`,
		`<a href="https://x.example/" rel="nofollow noopener ugc">x</a>`, `<p>1 &lt; 2</p>`, `<hr/>`,
	} {
		if err := Check(ok); err != nil {
			t.Errorf("Check(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{
		`<script>alert(1)</script>`, `<p onclick="x()">a</p>`, `<a href="javascript:alert(1)">x</a>`,
		`<a href=" jAvA	script:alert(1)">x</a>`, `<img src="data:image/png;base64,AAAA">`, `<p>open`, `<b>a</i>`,
		`</p>`, `<p style="color:red">x</p>`, `<iframe src="https://x.example"></iframe>`, `<svg><a>x</a></svg>`,
		`<a href="&#106;avascript:alert(1)">x</a>`,
	} {
		if err := Check(bad); err == nil {
			t.Errorf("Check(%q) found nothing wrong", bad)
		}
	}
}
