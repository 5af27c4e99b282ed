package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
)

const backupUsage = `Usage: shiji backup [--data DIR] FILE

Writes a backup of the data directory to FILE while the node goes on serving:
a tar archive, gzip-compressed when FILE ends in .tar.gz or .tgz, plain when
it ends in .tar. It holds
  shiji.db   a consistent snapshot of the database (SQLite's VACUUM INTO),
             taken first and checked with PRAGMA integrity_check
  media/     the uploaded photos and their thumbnails
  themes/    the theme overrides, if any

FILE must not exist. The archive is written under a temporary name in FILE's
directory and renamed to FILE only when it is complete, readable by its owner
only: it holds password hashes and the market's signing keys. Put it back
with "shiji restore".

Environment:
  SHIJI_DATA   the data directory (default ./var), as --data
`

const restoreUsage = `Usage: shiji restore [--data DIR] [--force] FILE

Unpacks FILE, an archive written by "shiji backup", into the data directory,
which must be empty or not exist yet. Only shiji.db and the files and
directories under media/ and themes/ are accepted: an archive with anything
else (an absolute path, "..", a link, a device), or more than 64 GB, is
refused. It is unpacked into a hidden directory inside DIR first, the
database is checked (PRAGMA integrity_check) and brought up to this version's
schema, and only then is it all moved into place; on any error nothing is
changed.

With --force, DIR may hold data already: its contents are moved aside to
DIR.before-restore-YYYYMMDD-HHMMSS (nothing is deleted). A database that a
running node has open is never replaced: stop shiji serve first.

Run it as the user the node runs as (e.g. sudo -u shiji): the restored files
belong to whoever runs it.

Environment:
  SHIJI_DATA   the data directory (default ./var), as --data
`

// Limits of what restore unpacks, against archives that would fill the disk.
const (
	maxRestoreBytes   = 64_000_000_000 // the files of one archive together: 64 GB
	maxRestoreEntries = 1_000_000
)

func backupCmd(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	dataDir := fs.String("data", "", "data directory (env SHIJI_DATA, default ./var)")
	file, err := parseWithFile(fs, args, e, "backup", backupUsage)
	if err != nil || file == "" {
		return err
	}
	dir := firstNonEmpty(*dataDir, e.getenv("SHIJI_DATA"), "./var")
	return backup(ctx, dir, file, e)
}

func restoreCmd(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	dataDir := fs.String("data", "", "data directory (env SHIJI_DATA, default ./var)")
	force := fs.Bool("force", false, "restore into a data directory that is not empty, moving its contents aside to DIR.before-restore-TIME")
	file, err := parseWithFile(fs, args, e, "restore", restoreUsage)
	if err != nil || file == "" {
		return err
	}
	dir := firstNonEmpty(*dataDir, e.getenv("SHIJI_DATA"), "./var")
	return restore(ctx, dir, file, *force, e)
}

// parseWithFile parses fs and returns the one FILE argument, which may come
// before or after the flags. After --help it returns "" and no error: the
// command is done.
func parseWithFile(fs *flag.FlagSet, args []string, e env, cmd, usage string) (string, error) {
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args, e, usage); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", nil
		}
		return "", err
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
		args = fs.Args()[1:]
	} else {
		args = fs.Args()
	}
	if file == "" || len(args) > 0 {
		fmt.Fprintf(e.stderr, "shiji: %s needs exactly one FILE\n\n%s", cmd, usage)
		return "", errUsage
	}
	return file, nil
}

// backup writes the archive of dir to file; see backupUsage.
func backup(ctx context.Context, dir, file string, e env) error {
	start := time.Now()
	var compress bool
	switch {
	case strings.HasSuffix(file, ".tar.gz"), strings.HasSuffix(file, ".tgz"):
		compress = true
	case strings.HasSuffix(file, ".tar"):
	default:
		return fmt.Errorf("backup file %s: give it a name ending in .tar.gz (compressed) or .tar", file)
	}
	dbPath := filepath.Join(dir, "shiji.db")
	dbInfo, err := os.Stat(dbPath)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("there is no database at %s: is --data (or SHIJI_DATA) the node's data directory?", dbPath)
	} else if err != nil {
		return err
	}
	if _, err := os.Lstat(file); err == nil {
		return fmt.Errorf("%s already exists; shiji backup never overwrites a file: give a new name, such as shiji-%s.tar.gz", file, time.Now().Format("2006-01-02"))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot write %s: %w", file, err)
	}
	destDir := filepath.Dir(file)
	if st, err := os.Stat(destDir); err != nil || !st.IsDir() {
		return fmt.Errorf("cannot write %s: there is no directory %s", file, destDir)
	}
	for _, sub := range []string{"media", "themes"} {
		if within(filepath.Join(dir, sub), destDir) {
			return fmt.Errorf("cannot write %s inside %s, which the backup reads: put it outside the data directory", file, filepath.Join(dir, sub))
		}
	}

	// The database first: photos are only ever added (a photo file is never
	// changed or removed), so the files read after the snapshot include every
	// one it names.
	snap, err := os.CreateTemp(destDir, "."+filepath.Base(file)+".db-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", file, err)
	}
	snap.Close()
	defer os.Remove(snap.Name())
	if err := data.Backup(ctx, dbPath, snap.Name()); err != nil {
		return cliError(err)
	}
	contents, err := data.Inspect(ctx, snap.Name())
	if err != nil {
		return fmt.Errorf("the snapshot of %s fails its check, so no backup was written: %w", dbPath, cliError(err))
	}
	snapInfo, err := os.Stat(snap.Name())
	if err != nil {
		return err
	}

	tmp, err := os.CreateTemp(destDir, "."+filepath.Base(file)+".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", file, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	n, err := writeArchive(ctx, tmp, compress, dir, snap.Name(), dbInfo.Mode().Perm(), e.stderr)
	if err != nil {
		return fmt.Errorf("writing %s: %w", file, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", file, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", file, err)
	}
	if err := publish(tmp.Name(), file); err != nil {
		return err
	}
	done = true
	syncDir(destDir)
	st, err := os.Stat(file)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "shiji: backed up %s to %s in %s: %s (database %s: %d accounts, %d stalls, %d items; %d media files, %d theme files)\n",
		dir, file, time.Since(start).Round(time.Millisecond), byteSize(st.Size()), byteSize(snapInfo.Size()),
		contents.Accounts, contents.Stalls, contents.Items, n.media, n.themes)
	return nil
}

// publish gives the finished temporary file tmp the name file, never
// replacing a file that appeared there meanwhile.
func publish(tmp, file string) error {
	err := os.Link(tmp, file)
	if err == nil {
		os.Remove(tmp)
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s appeared while the backup was written; not overwriting it", file)
	}
	// A file system without hard links: check, then rename.
	if _, err := os.Lstat(file); err == nil {
		return fmt.Errorf("%s appeared while the backup was written; not overwriting it", file)
	}
	if err := os.Rename(tmp, file); err != nil {
		return fmt.Errorf("cannot write %s: %w", file, err)
	}
	return nil
}

type archiveCounts struct{ media, themes int }

// writeArchive writes the tar (gzipped if compress) of the database snapshot
// as shiji.db and every directory and regular file under dir/media and
// dir/themes to w. Links and other special files are skipped with a warning,
// and so are a photo still being written and a file gone before it is read.
func writeArchive(ctx context.Context, w io.Writer, compress bool, dir, snapshot string, dbMode fs.FileMode, warn io.Writer) (archiveCounts, error) {
	var n archiveCounts
	bw := bufio.NewWriterSize(w, 1<<20)
	var zw *gzip.Writer
	var out io.Writer = bw
	if compress {
		zw = gzip.NewWriter(bw)
		out = zw
	}
	tw := tar.NewWriter(out)
	if _, err := addFile(tw, snapshot, "shiji.db", dbMode); err != nil {
		return n, err
	}
	for _, sub := range []string{"media", "themes"} {
		root, err := filepath.EvalSymlinks(filepath.Join(dir, sub)) // media/ may be a link to another disk
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return n, err
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			name := sub
			if rel != "." {
				name += "/" + filepath.ToSlash(rel)
			}
			switch {
			case d.IsDir():
				info, err := d.Info()
				if err != nil {
					return err
				}
				return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: int64(info.Mode().Perm()), ModTime: info.ModTime()})
			case d.Type().IsRegular():
				if sub == "media" && strings.HasPrefix(d.Name(), ".tmp-") {
					return nil // a photo being written; it is renamed into place when complete
				}
				added, err := addFile(tw, path, name, 0)
				if added && sub == "media" {
					n.media++
				} else if added {
					n.themes++
				}
				return err
			default:
				fmt.Fprintf(warn, "shiji: not backing up %s: not a regular file or directory\n", filepath.Join(dir, filepath.FromSlash(name)))
				return nil
			}
		})
		if err != nil {
			return n, err
		}
	}
	if err := tw.Close(); err != nil {
		return n, err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return n, err
		}
	}
	return n, bw.Flush()
}

// addFile adds the regular file at path to tw as name, with mode (its own
// if 0). A file gone before it is opened is skipped: added is false.
func addFile(tw *tar.Writer, path, name string, mode fs.FileMode) (added bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	if mode == 0 {
		mode = st.Mode().Perm()
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: st.Size(), Mode: int64(mode), ModTime: st.ModTime()}); err != nil {
		return false, err
	}
	if c, err := io.Copy(tw, io.LimitReader(f, st.Size())); err != nil {
		return false, fmt.Errorf("reading %s: %w", path, err)
	} else if c != st.Size() {
		return false, fmt.Errorf("%s shrank while it was read; try again", path)
	}
	return true, nil
}

// restore unpacks the archive file into dir; see restoreUsage.
func restore(ctx context.Context, dir, file string, force bool, e env) error {
	start := time.Now()
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("there is no backup file %s", file)
	} else if err != nil {
		return fmt.Errorf("cannot read %s: %w", file, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return fmt.Errorf("cannot read %s: %w", file, err)
	} else if st.IsDir() {
		return fmt.Errorf("%s is a directory, not a backup written by shiji backup", file)
	}

	// The data directory: new, empty, or (with --force) set aside.
	existed := true
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		existed = false
	case err != nil:
		return fmt.Errorf("cannot use %s as the data directory: %w", dir, err)
	case len(entries) > 0 && !force:
		return fmt.Errorf("the data directory %s is not empty (it holds %s): restore into an empty or new directory, or add --force to move its contents aside to %s.before-restore-…; nothing was changed",
			dir, entryList(entries), dir)
	}
	dbPath := filepath.Join(dir, "shiji.db")
	if err := checkUnused(ctx, dbPath); err != nil {
		return err
	}
	if !existed {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("cannot create the data directory %s: %w", dir, err)
		}
	}
	stage, err := os.MkdirTemp(dir, ".restore-*")
	if err != nil {
		return fmt.Errorf("cannot write in the data directory %s: %w", dir, err)
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(stage)
			if !existed {
				os.Remove(dir)
			}
		}
	}()

	n, err := unpack(ctx, f, stage, file)
	if err != nil {
		return err
	}
	staged := filepath.Join(stage, "shiji.db")
	contents, err := data.Inspect(ctx, staged)
	if err != nil {
		return fmt.Errorf("%s: its database is not usable, so nothing was restored: %s", file, strings.ReplaceAll(cliError(err).Error(), staged, "shiji.db"))
	}
	if latest := data.SchemaVersion(); contents.Schema > latest {
		return fmt.Errorf("%s was written by a newer shiji (database schema %d; this one knows up to %d): restore it with that version or a newer one; nothing was changed", file, contents.Schema, latest)
	}
	db, err := data.Open(ctx, staged, time.Now) // brings an older backup up to date
	if err != nil {
		return fmt.Errorf("%s: the database in it does not open, so nothing was restored: %w", file, err)
	}
	if err := db.Close(); err != nil {
		return err
	}

	// Into place. A node may have started since the first look.
	if err := checkUnused(ctx, dbPath); err != nil {
		return err
	}
	var aside string
	if entries, err := os.ReadDir(dir); err != nil {
		return err
	} else if len(entries) > 1 && !force {
		return fmt.Errorf("the data directory %s was written to during the restore; nothing was changed", dir)
	} else if len(entries) > 1 {
		if aside, err = setAside(dir, stage, time.Now()); err != nil {
			return err
		}
	}
	if err := moveInto(stage, dir); err != nil {
		done = true // leave both where they are for the organiser to sort out
		if aside != "" {
			return fmt.Errorf("%w; the rest of the backup is in %s and the previous contents are in %s", err, stage, aside)
		}
		return fmt.Errorf("%w; the rest of the backup is in %s", err, stage)
	}
	done = true
	os.Remove(stage)
	syncDir(dir)

	schema := fmt.Sprintf("schema %d", contents.Schema)
	if latest := data.SchemaVersion(); contents.Schema < latest {
		schema = fmt.Sprintf("schema %d, brought up to %d", contents.Schema, latest)
	}
	if aside != "" {
		fmt.Fprintf(e.stdout, "shiji: moved the previous contents of %s to %s\n", dir, aside)
	}
	fmt.Fprintf(e.stdout, "shiji: restored %s into %s in %s: %s (database: %d accounts, %d stalls, %d items, %s; %d media files, %d theme files)\n",
		file, dir, time.Since(start).Round(time.Millisecond), byteSize(n.bytes),
		contents.Accounts, contents.Stalls, contents.Items, schema, n.media, n.themes)
	return nil
}

// checkUnused refuses a database that a running node has open.
func checkUnused(ctx context.Context, dbPath string) error {
	switch err := data.CheckUnused(ctx, dbPath); node.ErrorCode(err) {
	case "", node.ENOTFOUND, node.EINVALID: // no node serves a file that is not a database
		return nil
	case node.ECONFLICT:
		return fmt.Errorf("the database %s is open in another process, most likely a running shiji serve: stop it before restoring (e.g. systemctl stop shiji); nothing was changed", dbPath)
	default:
		return err
	}
}

type unpacked struct {
	media, themes int
	bytes         int64
}

// unpack extracts the backup archive r (gzipped or not) into stage after
// checking every entry; see entryName. The first bad entry stops it.
func unpack(ctx context.Context, r io.Reader, stage, file string) (unpacked, error) {
	var n unpacked
	notBackup := func(err error) error {
		return fmt.Errorf("%s is not a backup written by shiji backup (a .tar.gz or .tar), or it is damaged: %v; nothing was restored", file, err)
	}
	br := bufio.NewReaderSize(r, 1<<20)
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return n, notBackup(err)
		}
		defer zr.Close()
		src = zr
	}
	tr := tar.NewReader(src)
	dirModes := map[string]fs.FileMode{} // applied at the end, so a read-only directory can be filled
	haveDB := false
	for count := 0; ; count++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			return n, notBackup(err)
		}
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if count >= maxRestoreEntries {
			return n, fmt.Errorf("%s holds more than %d entries; nothing was restored", file, maxRestoreEntries)
		}
		name, err := entryName(hdr)
		if err != nil {
			return n, fmt.Errorf("%s: %w; nothing was restored", file, err)
		}
		target := filepath.Join(stage, filepath.FromSlash(name))
		if hdr.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(target, 0o750); err != nil {
				return n, err
			}
			dirModes[target] = fs.FileMode(hdr.Mode).Perm() | 0o700
			continue
		}
		if n.bytes+hdr.Size > maxRestoreBytes {
			return n, fmt.Errorf("%s unpacks to more than %s; nothing was restored", file, byteSize(maxRestoreBytes))
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o750); err != nil {
			return n, err
		}
		out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return n, fmt.Errorf("%s: entry %q appears twice; nothing was restored", file, hdr.Name)
		} else if err != nil {
			return n, err
		}
		_, err = io.Copy(out, tr)
		if err == nil {
			err = out.Sync()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				return n, fmt.Errorf("writing %s: %w", pe.Path, pe.Err)
			}
			return n, notBackup(err)
		}
		if err := os.Chmod(target, fs.FileMode(hdr.Mode).Perm()|0o600); err != nil {
			return n, err
		}
		_ = os.Chtimes(target, hdr.ModTime, hdr.ModTime)
		n.bytes += hdr.Size
		switch top, _, _ := strings.Cut(name, "/"); top {
		case "shiji.db":
			haveDB = true
		case "media":
			n.media++
		case "themes":
			n.themes++
		}
	}
	if !haveDB {
		return n, fmt.Errorf("%s holds no shiji.db, so it is not a backup written by shiji backup; nothing was restored", file)
	}
	for d, mode := range dirModes {
		if err := os.Chmod(d, mode); err != nil {
			return n, err
		}
	}
	return n, nil
}

// entryName returns the slash-separated path of a tar entry after checking
// that it is one a backup holds: shiji.db, or a directory or regular file
// under media/ or themes/, by a plain relative path. Links, devices,
// absolute paths and ".." are refused, so nothing lands outside the data
// directory.
func entryName(hdr *tar.Header) (string, error) {
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeDir:
	case tar.TypeSymlink:
		return "", fmt.Errorf("entry %q is a symbolic link (to %q); a backup holds only files and directories", hdr.Name, hdr.Linkname)
	case tar.TypeLink:
		return "", fmt.Errorf("entry %q is a hard link (to %q); a backup holds only files and directories", hdr.Name, hdr.Linkname)
	default:
		return "", fmt.Errorf("entry %q is not a regular file or directory; a backup holds only files and directories", hdr.Name)
	}
	name := strings.TrimPrefix(hdr.Name, "./")
	if hdr.Typeflag == tar.TypeDir {
		name = strings.TrimSuffix(name, "/")
	}
	if strings.HasPrefix(name, "/") || filepath.IsAbs(name) {
		return "", fmt.Errorf("entry %q has an absolute path", hdr.Name)
	}
	if !fs.ValidPath(name) || name == "." || strings.Contains(name, `\`) {
		return "", fmt.Errorf("entry %q is not a plain relative path (no \"..\", \".\" or empty parts)", hdr.Name)
	}
	top, rest, _ := strings.Cut(name, "/")
	switch {
	case name == "shiji.db" && hdr.Typeflag == tar.TypeReg:
	case (top == "media" || top == "themes") && (rest != "" || hdr.Typeflag == tar.TypeDir):
	default:
		return "", fmt.Errorf("entry %q is outside shiji.db, media/ and themes/", hdr.Name)
	}
	return name, nil
}

// setAside moves everything in dir but stage to a new sibling directory
// named after now, and returns its path. On failure it moves back what it
// had moved.
func setAside(dir, stage string, now time.Time) (string, error) {
	aside := dir + ".before-restore-" + now.Format("20060102-150405")
	st, err := os.Stat(dir)
	if err != nil {
		return "", err
	}
	if err := os.Mkdir(aside, st.Mode().Perm()); err != nil {
		return "", fmt.Errorf("cannot set the previous data aside: %w; nothing was changed", err)
	}
	_ = os.Chmod(aside, st.Mode().Perm()) // as dir, whatever the umask
	entries, err := os.ReadDir(dir)
	if err != nil {
		os.Remove(aside)
		return "", err
	}
	var moved []string
	for _, ent := range entries {
		if ent.Name() == filepath.Base(stage) {
			continue
		}
		if err := os.Rename(filepath.Join(dir, ent.Name()), filepath.Join(aside, ent.Name())); err != nil {
			for _, m := range moved {
				os.Rename(filepath.Join(aside, m), filepath.Join(dir, m))
			}
			os.Remove(aside)
			return "", fmt.Errorf("cannot set the previous data aside in %s: %w; nothing was changed", aside, err)
		}
		moved = append(moved, ent.Name())
	}
	syncDir(aside)
	return aside, nil
}

// moveInto renames every entry of stage into dir, which must not hold them.
func moveInto(stage, dir string) error {
	entries, err := os.ReadDir(stage)
	if err != nil {
		return err
	}
	for _, ent := range entries {
		to := filepath.Join(dir, ent.Name())
		if _, err := os.Lstat(to); err == nil {
			return fmt.Errorf("%s appeared during the restore", to)
		}
		if err := os.Rename(filepath.Join(stage, ent.Name()), to); err != nil {
			return fmt.Errorf("cannot move the restored %s into place: %w", ent.Name(), err)
		}
	}
	return nil
}

// within reports whether path is dir or inside it.
func within(dir, path string) bool {
	d, err1 := filepath.Abs(dir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// entryList names up to three directory entries.
func entryList(entries []os.DirEntry) string {
	var names []string
	for i, ent := range entries {
		if i == 3 {
			names = append(names, "…")
			break
		}
		names = append(names, ent.Name())
	}
	return strings.Join(names, ", ")
}

// syncDir makes renames in dir durable where the platform allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// byteSize formats n bytes for people: "812 kB", "12.3 MB".
func byteSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// cliError turns a domain error into its message; internal errors stay as
// they are.
func cliError(err error) error {
	if node.ErrorCode(err) == node.EINTERNAL {
		return err
	}
	return errors.New(node.ErrorMessage(err))
}
