package esdbtest

import (
	"context"
	"math"
	"sort"

	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// readBatch bounds how many records one pass copies out under the lock.
const readBatch = 128

// pos is a (commit, prepare) pair.
type pos struct{ commit, prepare uint64 }

func (p pos) less(q pos) bool {
	return p.commit < q.commit || (p.commit == q.commit && p.prepare < q.prepare)
}

func (r *record) pos() pos { return pos{r.commit, r.prepare} }

// Read serves stream reads, $all reads and catch-up subscriptions.
func (svc *streamsService) Read(req *api.ReadReq, out api.Streams_ReadServer) error {
	o := req.GetOptions()
	if o == nil {
		return status.Error(codes.InvalidArgument, "read without options")
	}
	f, err := decodeFilter(o.GetFilter())
	if err != nil {
		return err
	}
	backwards := o.GetReadDirection() == api.ReadReq_Options_Backwards
	if o.GetSubscription() != nil {
		if backwards {
			return status.Error(codes.InvalidArgument, "subscriptions read forwards")
		}
		return svc.s.subscribe(o, f, out)
	}
	count := o.GetCount()
	if so := o.GetStream(); so != nil {
		return svc.s.readStream(out.Context(), so, backwards, count, out)
	}
	if ao := o.GetAll(); ao != nil {
		return svc.s.readAll(ao, backwards, count, f, out)
	}
	return status.Error(codes.InvalidArgument, "read needs a stream or $all")
}

func (s *Server) readStream(ctx context.Context, so *api.ReadReq_Options_StreamOptions, backwards bool, count uint64, out api.Streams_ReadServer) error {
	name := string(so.GetStreamIdentifier().GetStreamName())
	var from uint64
	switch v := so.GetRevisionOption().(type) {
	case *api.ReadReq_Options_StreamOptions_Revision:
		from = v.Revision
	case *api.ReadReq_Options_StreamOptions_End:
		from = math.MaxUint64
	default:
		if backwards {
			return nil // backwards from the start reads nothing
		}
	}
	var sent uint64
	first := true
	for sent < count {
		s.mu.Lock()
		st := s.streams[name]
		if st != nil && st.tombstoned {
			s.mu.Unlock()
			return streamDeletedError(ctx, name)
		}
		var visible []int
		if st != nil {
			i := sort.Search(len(st.records), func(i int) bool { return s.log[st.records[i]].revision >= st.truncateBefore })
			visible = st.records[i:]
		}
		if first && len(visible) == 0 {
			s.mu.Unlock()
			return out.Send(&api.ReadResp{Content: &api.ReadResp_StreamNotFound_{StreamNotFound: &api.ReadResp_StreamNotFound{
				StreamIdentifier: so.GetStreamIdentifier(),
			}}})
		}
		first = false
		var batch []record
		if !backwards {
			i := sort.Search(len(visible), func(i int) bool { return s.log[visible[i]].revision >= from })
			for ; i < len(visible) && len(batch) < readBatch && sent+uint64(len(batch)) < count; i++ {
				batch = append(batch, s.log[visible[i]])
			}
		} else {
			i := sort.Search(len(visible), func(i int) bool { return s.log[visible[i]].revision > from }) - 1
			for ; i >= 0 && len(batch) < readBatch && sent+uint64(len(batch)) < count; i-- {
				batch = append(batch, s.log[visible[i]])
			}
		}
		s.mu.Unlock()
		if len(batch) == 0 {
			return nil
		}
		for i := range batch {
			if err := out.Send(batch[i].toProto()); err != nil {
				return err
			}
		}
		sent += uint64(len(batch))
		last := batch[len(batch)-1].revision
		if backwards {
			if last == 0 {
				return nil
			}
			from = last - 1
		} else {
			from = last + 1
		}
	}
	return nil
}

// searchAll returns the index of the first record at or after p; s.mu is held.
func (s *Server) searchAll(p pos) int {
	return sort.Search(len(s.log), func(i int) bool { return !s.log[i].pos().less(p) })
}

func (s *Server) readAll(ao *api.ReadReq_Options_AllOptions, backwards bool, count uint64, f *filter, out api.Streams_ReadServer) error {
	s.mu.Lock()
	var next int // forwards: next index to read; backwards: one past it
	switch v := ao.GetAllOption().(type) {
	case *api.ReadReq_Options_AllOptions_Position:
		p := pos{v.Position.GetCommitPosition(), v.Position.GetPreparePosition()}
		next = s.searchAll(p) // forwards inclusive; backwards: events before p
	case *api.ReadReq_Options_AllOptions_End:
		next = len(s.log)
	default:
		next = 0
	}
	s.mu.Unlock()
	var sent uint64
	for sent < count {
		var batch []record
		s.mu.Lock()
		if !backwards {
			for ; next < len(s.log) && len(batch) < readBatch && sent+uint64(len(batch)) < count; next++ {
				if f.matches(&s.log[next]) {
					batch = append(batch, s.log[next])
				}
			}
		} else {
			for ; next > 0 && len(batch) < readBatch && sent+uint64(len(batch)) < count; next-- {
				if f.matches(&s.log[next-1]) {
					batch = append(batch, s.log[next-1])
				}
			}
		}
		done := (!backwards && next >= len(s.log)) || (backwards && next == 0)
		s.mu.Unlock()
		for i := range batch {
			if err := out.Send(batch[i].toProto()); err != nil {
				return err
			}
		}
		sent += uint64(len(batch))
		if done {
			return nil
		}
	}
	return nil
}

// subscribe serves a catch-up subscription to a stream or to $all: the
// confirmation, the history, one caught-up message, then live events until
// the client leaves or the server stops. Filtered $all subscriptions also get
// checkpoints every interval scanned events and when they catch up.
func (s *Server) subscribe(o *api.ReadReq_Options, f *filter, out api.Streams_ReadServer) error {
	ctx := out.Context()
	var (
		next      int
		stream    string
		isStream  bool
		afterRev  uint64
		hasAfter  bool
		streamEnd bool
	)
	s.mu.Lock()
	if so := o.GetStream(); so != nil {
		isStream = true
		stream = string(so.GetStreamIdentifier().GetStreamName())
		switch v := so.GetRevisionOption().(type) {
		case *api.ReadReq_Options_StreamOptions_Revision:
			afterRev, hasAfter = v.Revision, true
		case *api.ReadReq_Options_StreamOptions_End:
			streamEnd = true
		}
		if streamEnd {
			next = len(s.log)
		}
	} else {
		switch v := o.GetAll().GetAllOption().(type) {
		case *api.ReadReq_Options_AllOptions_Position:
			p := pos{v.Position.GetCommitPosition(), v.Position.GetPreparePosition()}
			next = s.searchAll(p)
			if next < len(s.log) && s.log[next].pos() == p {
				next++ // subscriptions start after the position
			}
		case *api.ReadReq_Options_AllOptions_End:
			next = len(s.log)
		}
	}
	if isStream {
		if st := s.streams[stream]; st != nil && st.tombstoned {
			s.mu.Unlock()
			return streamDeletedError(ctx, stream)
		}
	}
	s.mu.Unlock()

	if err := out.Send(&api.ReadResp{Content: &api.ReadResp_Confirmation{Confirmation: &api.ReadResp_SubscriptionConfirmation{
		SubscriptionId: uuid.NewString(),
	}}}); err != nil {
		return err
	}
	caughtUp := false
	var scanned uint64
	var lastScanned pos
	for {
		type item struct {
			rec        record
			checkpoint *pos
			event      bool
		}
		var items []item
		s.mu.Lock()
		for ; next < len(s.log) && len(items) < readBatch; next++ {
			r := &s.log[next]
			lastScanned = r.pos()
			if isStream {
				if r.stream != stream {
					continue
				}
				st := s.streams[stream]
				if r.revision < st.truncateBefore || (hasAfter && r.revision <= afterRev) {
					continue
				}
				items = append(items, item{rec: *r, event: true})
				continue
			}
			if f.matches(r) {
				items = append(items, item{rec: *r, event: true})
			}
			if f != nil {
				scanned++
				if f.interval > 0 && scanned%f.interval == 0 {
					p := lastScanned
					items = append(items, item{checkpoint: &p})
				}
			}
		}
		atEnd := next >= len(s.log)
		changed := s.changed
		s.mu.Unlock()
		for _, it := range items {
			var msg *api.ReadResp
			if it.event {
				msg = it.rec.toProto()
			} else {
				msg = &api.ReadResp{Content: &api.ReadResp_Checkpoint_{Checkpoint: &api.ReadResp_Checkpoint{
					CommitPosition: it.checkpoint.commit, PreparePosition: it.checkpoint.prepare,
				}}}
			}
			if err := out.Send(msg); err != nil {
				return err
			}
		}
		if !atEnd {
			continue
		}
		if !caughtUp {
			caughtUp = true
			if f != nil && lastScanned != (pos{}) {
				if err := out.Send(&api.ReadResp{Content: &api.ReadResp_Checkpoint_{Checkpoint: &api.ReadResp_Checkpoint{
					CommitPosition: lastScanned.commit, PreparePosition: lastScanned.prepare,
				}}}); err != nil {
					return err
				}
			}
			if err := out.Send(&api.ReadResp{Content: &api.ReadResp_CaughtUp_{CaughtUp: &api.ReadResp_CaughtUp{}}}); err != nil {
				return err
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		}
	}
}
