package embedded

import "github.com/cockroachdb/pebble/v2/vfs"

// OpenFS opens a store on fs instead of the operating system's files.
func OpenFS(dir string, opts *Options, fs vfs.FS) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	o.fs = fs
	return Open(dir, &o)
}
