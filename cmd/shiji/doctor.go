package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/shiji-market/shiji/data"
)

const doctorUsage = `Usage: shiji doctor [--data DIR] [--base-url URL] [--peer URL]... [--ca FILE] [--min-free SIZE]

Checks what a node needs and prints what to fix: the data directory's
permissions, the database's integrity and schema, free disk space, that the
base URL resolves and answers with this node's actor over https, the TLS
certificate's expiry, and the clock against other servers' Date headers.
It changes nothing. It exits non-zero when a check fails (warnings do not).

The peers are --peer URLs, else servers this node has talked to.

Environment:
  SHIJI_DATA       the data directory (default ./var), as --data
  SHIJI_BASE_URL   the node's public URL, as --base-url
`

// checkResult is one line of the doctor's report.
type checkResult struct {
	Level  string // ok, WARN, FAIL, skip
	Check  string
	Detail string
	Fix    string
}

// doctor holds what the checks need.
type doctor struct {
	dataDir, baseURL string
	peers            []string
	minFree          uint64
	roots            *x509.CertPool // nil: the system's
	now              func() time.Time
	timeout          time.Duration
}

func doctorCmd(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	dataDir := fs.String("data", "", "data directory (env SHIJI_DATA, default ./var)")
	baseURL := fs.String("base-url", "", "the node's public URL (env SHIJI_BASE_URL)")
	var peers texts
	fs.Var(&peers, "peer", "a server to compare clocks with, e.g. https://mastodon.social (repeatable)")
	caFile := fs.String("ca", "", "also trust this PEM certificate (a private CA, a self-signed test certificate)")
	minFree := fs.String("min-free", "1GiB", "warn below this much free disk space (e.g. 500MiB, 2GiB)")
	if err := parseFlags(fs, args, e, doctorUsage); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "shiji: doctor takes no arguments, got %q\n\n%s", fs.Args(), doctorUsage)
		return errUsage
	}
	free, err := parseSize(*minFree)
	if err != nil {
		return fmt.Errorf("--min-free %q: %v", *minFree, err)
	}
	d := &doctor{dataDir: firstNonEmpty(*dataDir, e.getenv("SHIJI_DATA"), "./var"),
		baseURL: strings.TrimSuffix(firstNonEmpty(*baseURL, e.getenv("SHIJI_BASE_URL")), "/"),
		peers:   peers, minFree: free, now: time.Now, timeout: 10 * time.Second}
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			return err
		}
		if d.roots, err = x509.SystemCertPool(); err != nil || d.roots == nil {
			d.roots = x509.NewCertPool()
		}
		if !d.roots.AppendCertsFromPEM(pem) {
			return fmt.Errorf("--ca %s holds no PEM certificate", *caFile)
		}
	}
	failed := 0
	for _, r := range d.run(ctx) {
		fmt.Fprintf(e.stdout, "%-4s  %-12s %s\n", r.Level, r.Check, r.Detail)
		if r.Fix != "" && r.Level != "ok" {
			fmt.Fprintf(e.stdout, "      %-12s → %s\n", "", r.Fix)
		}
		if r.Level == "FAIL" {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d check(s) failed", failed)
	}
	return nil
}

// run makes every check in order.
func (d *doctor) run(ctx context.Context) []checkResult {
	out := []checkResult{d.checkDataDir(), d.checkDatabase(ctx), d.checkDisk()}
	out = append(out, d.checkBaseURL(ctx)...)
	out = append(out, d.checkTLS(ctx), d.checkClock(ctx))
	return out
}

func (d *doctor) checkDataDir() checkResult {
	r := checkResult{Check: "data dir"}
	fi, err := os.Stat(d.dataDir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fail(r, d.dataDir+" does not exist", "create it (shiji serve does), or point --data / SHIJI_DATA at the right one")
	case err != nil:
		return fail(r, err.Error(), "check the path and its parents' permissions")
	case !fi.IsDir():
		return fail(r, d.dataDir+" is not a directory", "point --data / SHIJI_DATA at the node's data directory")
	}
	probe, err := os.CreateTemp(d.dataDir, ".doctor-*")
	if err != nil {
		return fail(r, d.dataDir+" is not writable: "+err.Error(), "chown it to the user shiji runs as (sudo chown -R shiji: "+d.dataDir+")")
	}
	probe.Close()
	os.Remove(probe.Name())
	mode := fi.Mode().Perm()
	if mode&0o002 != 0 {
		return warn(r, fmt.Sprintf("%s is writable by everyone (%s)", d.dataDir, mode), "chmod o-w "+d.dataDir+" (0750 is right)")
	}
	db := filepath.Join(d.dataDir, "shiji.db")
	if dfi, err := os.Stat(db); err == nil && dfi.Mode().Perm()&0o004 != 0 {
		return warn(r, fmt.Sprintf("%s is readable by everyone (%s): it holds password hashes and signing keys", db, dfi.Mode().Perm()),
			"chmod 600 "+db+" "+db+"-wal "+db+"-shm")
	}
	return ok(r, fmt.Sprintf("%s (%s), writable", d.dataDir, mode))
}

func (d *doctor) checkDatabase(ctx context.Context) checkResult {
	r := checkResult{Check: "database"}
	path := filepath.Join(d.dataDir, "shiji.db")
	in, err := data.InspectForDoctor(ctx, path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return warn(r, path+" does not exist yet", "shiji serve (or shiji setup) creates it")
	case err != nil:
		return fail(r, err.Error(), "restore the latest backup: shiji restore --data DIR FILE.tar.gz")
	case len(in.Problems) > 0:
		return fail(r, fmt.Sprintf("integrity check failed: %s", strings.Join(first(in.Problems, 3), "; ")),
			"stop shiji and restore the latest backup (shiji restore --force); keep the damaged file for inspection")
	case len(in.Unknown) > 0:
		return fail(r, fmt.Sprintf("the database has migrations this binary does not know (%v): it is newer than shiji %s", in.Unknown, version),
			"install the newer shiji that wrote it")
	case len(in.Missing) > 0:
		return warn(r, fmt.Sprintf("integrity ok; %d migration(s) not applied yet (%v)", len(in.Missing), in.Missing),
			"start shiji serve once: it applies them (back up first: shiji backup)")
	}
	return ok(r, fmt.Sprintf("integrity ok, schema up to date (%d migrations)", len(in.Applied)))
}

func (d *doctor) checkDisk() checkResult {
	r := checkResult{Check: "disk"}
	var st syscall.Statfs_t
	if err := syscall.Statfs(d.dataDir, &st); err != nil {
		return skip(r, "cannot read free space: "+err.Error())
	}
	free := st.Bavail * uint64(st.Bsize)
	total := st.Blocks * uint64(st.Bsize)
	detail := fmt.Sprintf("%s free of %s", byteSize(int64(free)), byteSize(int64(total)))
	if free < d.minFree {
		if free < d.minFree/10 {
			return fail(r, detail, "free space now: SQLite stops writing when the disk is full (old backups, logs, photos)")
		}
		return warn(r, detail+fmt.Sprintf(", below %s", byteSize(int64(d.minFree))), "free some space or grow the disk")
	}
	return ok(r, detail)
}

// checkBaseURL: the host resolves, the URL is https, and it answers with
// this node's instance actor (its key is the one in the database).
func (d *doctor) checkBaseURL(ctx context.Context) []checkResult {
	r := checkResult{Check: "base URL"}
	if d.baseURL == "" {
		return []checkResult{skip(r, "no --base-url (or SHIJI_BASE_URL) given")}
	}
	u, err := url.Parse(d.baseURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return []checkResult{fail(r, fmt.Sprintf("%q is not an http(s) URL", d.baseURL), "set it like https://market.example")}
	}
	var out []checkResult
	rctx, cancel := context.WithTimeout(ctx, d.timeout)
	addrs, err := net.DefaultResolver.LookupHost(rctx, u.Hostname())
	cancel()
	if err != nil {
		return []checkResult{fail(r, fmt.Sprintf("%s does not resolve: %v", u.Hostname(), err),
			"add a DNS A/AAAA record for "+u.Hostname()+" pointing at this server")}
	}
	out = append(out, ok(checkResult{Check: "DNS"}, fmt.Sprintf("%s → %s", u.Hostname(), strings.Join(first(addrs, 3), ", "))))
	if u.Scheme != "https" {
		out = append(out, warn(checkResult{Check: "https"}, d.baseURL+" is plain http: other servers will not federate with it",
			"put a TLS proxy in front (docs/deploy.md) or use --tls-cert/--tls-key, and set --base-url https://…"))
	}
	actorURL := d.baseURL + "/actor"
	req, _ := http.NewRequestWithContext(ctx, "GET", actorURL, nil)
	req.Header.Set("Accept", `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
	resp, err := d.client(false).Do(req)
	if err != nil {
		return append(out, fail(r, fmt.Sprintf("%s does not answer: %v", actorURL, err),
			"is shiji serve running, and does the proxy pass requests to it (docs/deploy.md)?"))
	}
	defer resp.Body.Close()
	var actor struct {
		ID        string `json:"id"`
		PublicKey struct {
			PEM string `json:"publicKeyPem"`
		} `json:"publicKey"`
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != 200 || json.Unmarshal(body, &actor) != nil || actor.ID == "" {
		return append(out, fail(r, fmt.Sprintf("%s answers %s, not an ActivityPub actor", actorURL, resp.Status),
			"the proxy must pass the Accept header and the path through to shiji"))
	}
	if actor.ID != actorURL {
		return append(out, fail(r, fmt.Sprintf("the actor at %s says its id is %s", actorURL, actor.ID),
			"set --base-url to the URL people and servers use, exactly ("+strings.TrimSuffix(actor.ID, "/actor")+"?)"))
	}
	key, err := data.ActorKey(ctx, filepath.Join(d.dataDir, "shiji.db"), "instance")
	switch {
	case err != nil:
		return append(out, warn(r, "cannot read this node's key: "+err.Error(), "run doctor as the user shiji runs as"))
	case key == "":
		return append(out, warn(r, actorURL+" answers, but this data directory has no instance key",
			"is --data the directory of the node that serves "+d.baseURL+"?"))
	case strings.TrimSpace(key) != strings.TrimSpace(actor.PublicKey.PEM):
		return append(out, fail(r, actorURL+" answers with another node's key",
			"the URL reaches a different shiji than this data directory's: check the proxy and --data"))
	}
	return append(out, ok(r, actorURL+" answers with this node's actor"))
}

// checkTLS reads the certificate the base URL presents and warns two weeks
// before it expires.
func (d *doctor) checkTLS(ctx context.Context) checkResult {
	r := checkResult{Check: "certificate"}
	u, err := url.Parse(d.baseURL)
	if d.baseURL == "" || err != nil || u.Scheme != "https" {
		return skip(r, "no https base URL")
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "443")
	}
	dialer := &tls.Dialer{NetDialer: &net.Dialer{Timeout: d.timeout},
		Config: &tls.Config{ServerName: u.Hostname(), InsecureSkipVerify: true}} // read it whatever it is; verified below
	conn, err := dialer.DialContext(ctx, "tcp", host)
	if err != nil {
		return fail(r, fmt.Sprintf("no TLS handshake with %s: %v", host, err), "check the certificate's files and the proxy")
	}
	defer conn.Close()
	certs := conn.(*tls.Conn).ConnectionState().PeerCertificates
	leaf := certs[0]
	left := leaf.NotAfter.Sub(d.now())
	detail := fmt.Sprintf("%s, valid until %s", strings.Join(first(leaf.DNSNames, 2), ", "), leaf.NotAfter.UTC().Format("2006-01-02"))
	if len(leaf.DNSNames) == 0 {
		detail = fmt.Sprintf("valid until %s", leaf.NotAfter.UTC().Format("2006-01-02"))
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, verr := leaf.Verify(x509.VerifyOptions{DNSName: u.Hostname(), Roots: d.roots, Intermediates: inter, CurrentTime: d.now()})
	switch {
	case left <= 0:
		return fail(r, "the certificate expired on "+leaf.NotAfter.UTC().Format("2006-01-02"), "renew it (certbot renew); shiji reloads it by itself")
	case verr != nil:
		return fail(r, detail+"; not trusted: "+verr.Error(), "use a certificate from a public CA for "+u.Hostname()+", with its full chain")
	case left < 14*24*time.Hour:
		return warn(r, fmt.Sprintf("%s: expires in %d days", detail, int(left.Hours()/24)), "renew it now (certbot renew); shiji reloads it by itself")
	}
	return ok(r, detail)
}

// checkClock compares this machine's clock with peers' Date headers: HTTP
// signatures are refused when clocks disagree by much.
func (d *doctor) checkClock(ctx context.Context) checkResult {
	r := checkResult{Check: "clock"}
	peers := d.peers
	if len(peers) == 0 {
		if known, err := data.KnownPeers(ctx, filepath.Join(d.dataDir, "shiji.db"), 3); err == nil {
			peers = known
		}
	}
	if len(peers) == 0 {
		return skip(r, "no peer to compare with; give one with --peer https://a-server.example")
	}
	var worst time.Duration
	var worstPeer string
	answered := 0
	for _, p := range peers {
		req, err := http.NewRequestWithContext(ctx, "HEAD", p, nil)
		if err != nil {
			continue
		}
		sent := d.now()
		resp, err := d.client(true).Do(req)
		if err != nil {
			continue
		}
		resp.Body.Close()
		got, err := http.ParseTime(resp.Header.Get("Date"))
		if err != nil {
			continue
		}
		answered++
		mid := sent.Add(d.now().Sub(sent) / 2)
		skew := mid.Sub(got)
		if skew.Abs() > worst.Abs() || worstPeer == "" {
			worst, worstPeer = skew, p
		}
	}
	if answered == 0 {
		return warn(r, fmt.Sprintf("none of %s answered with a Date header", strings.Join(peers, ", ")), "check the network, or give --peer")
	}
	detail := fmt.Sprintf("%s off %s", worst.Round(time.Second), worstPeer)
	switch {
	case worst.Abs() > 5*time.Minute:
		return fail(r, detail, "synchronise the clock (systemctl enable --now systemd-timesyncd, or chrony): signatures need it")
	case worst.Abs() > 30*time.Second:
		return warn(r, detail, "synchronise the clock (systemd-timesyncd or chrony)")
	}
	return ok(r, fmt.Sprintf("within %s of %d peer(s)", worst.Abs().Round(time.Second), answered))
}

// client is an HTTP client that trusts d.roots; lenient skips verifying
// certificates (reading a peer's clock needs no trust).
func (d *doctor) client(lenient bool) *http.Client {
	return &http.Client{Timeout: d.timeout, Transport: &http.Transport{Proxy: nil,
		TLSClientConfig: &tls.Config{RootCAs: d.roots, InsecureSkipVerify: lenient}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func ok(r checkResult, detail string) checkResult { r.Level, r.Detail = "ok", detail; return r }
func skip(r checkResult, detail string) checkResult {
	r.Level, r.Detail = "skip", detail
	return r
}
func warn(r checkResult, detail, fix string) checkResult {
	r.Level, r.Detail, r.Fix = "WARN", detail, fix
	return r
}
func fail(r checkResult, detail, fix string) checkResult {
	r.Level, r.Detail, r.Fix = "FAIL", detail, fix
	return r
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

// parseSize reads 500MiB, 2GiB, 1GB, 123 (bytes).
func parseSize(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	mult := uint64(1)
	for _, u := range []struct {
		suffix string
		m      uint64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.m
			break
		}
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n < 0 {
		return 0, errors.New("use a size such as 500MiB or 2GiB")
	}
	return uint64(n * float64(mult)), nil
}
