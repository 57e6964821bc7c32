package command

import (
	"sync"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// DefaultCacheStreams is the number of streams a CachingStore remembers when
// NewCachingStore is given zero.
const DefaultCacheStreams = 100_000

// CachingStore is an eventstore.Store that also remembers, per stream, the
// state Handle folded last time, so the next command on that stream reads only
// the events appended since. Commands on one stream through one CachingStore
// run one at a time; other writers (other processes) are still safe because
// every command reads the stream's tail and appends with Exact(revision).
// All Store methods are passed through unchanged.
type CachingStore struct {
	eventstore.Store
	max   int
	mu    sync.RWMutex
	slots map[string]*cacheSlot
}

type cacheSlot struct {
	mu    sync.Mutex
	value any // *snapshot[S] for the aggregate that owns the stream
}

// NewCachingStore wraps store, remembering at most maxStreams streams
// (DefaultCacheStreams when maxStreams <= 0); beyond that, arbitrary streams
// are forgotten and folded again from their first event when next used.
func NewCachingStore(store eventstore.Store, maxStreams int) *CachingStore {
	if maxStreams <= 0 {
		maxStreams = DefaultCacheStreams
	}
	return &CachingStore{Store: store, max: maxStreams, slots: map[string]*cacheSlot{}}
}

func (c *CachingStore) slot(stream string) *cacheSlot {
	c.mu.RLock()
	s := c.slots[stream]
	c.mu.RUnlock()
	if s != nil {
		return s
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s = c.slots[stream]
	if s == nil {
		if len(c.slots) >= c.max {
			for k := range c.slots {
				delete(c.slots, k)
				if len(c.slots) < c.max*9/10 {
					break
				}
			}
		}
		s = &cacheSlot{}
		c.slots[stream] = s
	}
	return s
}

// Forget drops what the cache remembers about stream.
func (c *CachingStore) Forget(stream string) {
	c.mu.Lock()
	delete(c.slots, stream)
	c.mu.Unlock()
}
