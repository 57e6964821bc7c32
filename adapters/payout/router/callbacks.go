package router

import (
	"net/http"
	"strings"

	"github.com/remitflow/remitflow/domain/payout"
)

// CallbackSource is an adapter that receives partner callbacks
// (*mpesa.Adapter, *momo.Adapter).
type CallbackSource interface {
	// Handler returns the adapter's callback endpoints, feeding sink.
	Handler(sink payout.ResultSink) http.Handler
}

// CallbackHandler mounts each source's callback endpoints at
// prefix + "/" + provider (e.g. /payout/callbacks/mpesa/result), all
// feeding sink. Configure each adapter's CallbackURL as the public URL of
// that mount point. Unknown paths answer 404.
func CallbackHandler(prefix string, sink payout.ResultSink, sources map[payout.Provider]CallbackSource) http.Handler {
	prefix = "/" + strings.Trim(prefix, "/")
	if prefix == "/" {
		prefix = ""
	}
	mux := http.NewServeMux()
	for p, src := range sources {
		if src == nil {
			continue
		}
		base := prefix + "/" + string(p)
		mux.Handle(base+"/", http.StripPrefix(base, src.Handler(sink)))
	}
	return mux
}
