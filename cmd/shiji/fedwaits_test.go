package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseFederationWaits(t *testing.T) {
	def := defaultFederationWaits()
	if def.timeouts.Connect != 10*time.Second || def.timeouts.Header != 20*time.Second || def.timeouts.Fetch != 20*time.Second ||
		def.timeouts.Delivery != 30*time.Second || def.follow != 5*time.Second || def.settle != 2*time.Second {
		t.Fatalf("defaults = %+v, not what the README and serve --help say", def)
	}
	got, err := parseFederationWaits("x", "fetch=1m, follow=90s settle=100ms connect=3s header=4s delivery=5s", def)
	if err != nil {
		t.Fatal(err)
	}
	if got.timeouts.Fetch != time.Minute || got.follow != 90*time.Second || got.settle != 100*time.Millisecond ||
		got.timeouts.Connect != 3*time.Second || got.timeouts.Header != 4*time.Second || got.timeouts.Delivery != 5*time.Second {
		t.Fatalf("parsed = %+v", got)
	}
	// Over what was given before (the environment, then the flag).
	if got, err := parseFederationWaits("x", "follow=1m", got); err != nil || got.follow != time.Minute || got.timeouts.Fetch != time.Minute {
		t.Fatalf("over the earlier = %+v %v", got, err)
	}
	if got, err := parseFederationWaits("x", "", def); err != nil || got != def {
		t.Fatalf("empty = %+v %v", got, err)
	}
	for _, bad := range []string{"fetch", "fetch=", "fetch=soon", "fetch=-1s", "fetch=0s", "fetch=25h", "wait=5s", "follow=5s settle"} {
		if _, err := parseFederationWaits("--federation-waits", bad, def); err == nil || !strings.Contains(err.Error(), "--federation-waits") {
			t.Errorf("%q: %v, want an error naming --federation-waits", bad, err)
		}
	}
}

func TestFederationWaitsBadValuesStopServe(t *testing.T) {
	envs := map[string]string{"SHIJI_FEDERATION_WAITS": "follow=later"}
	err := runWith(t.Context(), []string{"shiji", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()},
		env{getenv: func(k string) string { return envs[k] }, stdout: &syncBuffer{}, stderr: &syncBuffer{}})
	if err == nil || !strings.Contains(err.Error(), "SHIJI_FEDERATION_WAITS") || !strings.Contains(err.Error(), "follow=later") {
		t.Fatalf("a bad SHIJI_FEDERATION_WAITS: %v", err)
	}
	_, _, err = runCmd(t, "", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--federation-waits", "patience=1h")
	if err == nil || !strings.Contains(err.Error(), "--federation-waits") || !strings.Contains(err.Error(), "patience") {
		t.Fatalf("a bad --federation-waits: %v", err)
	}
}
