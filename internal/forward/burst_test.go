package forward_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/forward"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// TestBurstDeliversEverythingInOrder forwards a burst of 1,000 inbound
// messages over 20 conversations to a receiver that answers 500 to the
// first two attempts of every delivery: every message arrives exactly
// once (one accepted request per delivery id, no id twice), each after
// three attempts, every request signed, and each conversation's
// messages reach the receiver in the order they came in. A later
// delivery is not even attempted while an earlier one of its
// conversation is still pending.
func TestBurstDeliversEverythingInOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		const conversations, perConversation = 20, 50
		e := newEnv(t, db, noBackoff)

		var mu sync.Mutex
		accepted := map[string][]int{} // sender → message numbers accepted, in order
		acceptedIDs := map[string]int{}
		var problems []string
		secret := ""
		rc := newReceiver(t, func(r request, n int) (int, http.Header) {
			p := payload(t, r)
			mu.Lock()
			defer mu.Unlock()
			if forward.Sign(secret, r.Timestamp, r.Body) != r.Signature {
				problems = append(problems, "bad signature on "+p.DeliveryID)
			}
			var conv, num int
			fmt.Sscanf(p.Text, "c%d m%d", &conv, &num)
			if got := len(accepted[p.Sender]); got != num {
				problems = append(problems, fmt.Sprintf("%s: message %d attempted while %d were delivered", p.Sender, num, got))
			}
			if n <= 2 {
				return http.StatusInternalServerError, nil
			}
			accepted[p.Sender] = append(accepted[p.Sender], num)
			acceptedIDs[p.DeliveryID]++
			return http.StatusOK, nil
		})
		mu.Lock()
		secret = e.enable(t, forward.MethodPOST, rc.URL+"/hook")
		mu.Unlock()

		start := time.Now()
		var wg sync.WaitGroup
		for w := range 4 { // four webhook workers, each owning five conversations
			wg.Add(1)
			go func() {
				defer wg.Done()
				for m := range perConversation {
					for c := w; c < conversations; c += 4 {
						e.inbound(t, fmt.Sprintf("wamid.c%d.m%d", c, m), fmt.Sprintf("55119%08d", c), "Cliente", fmt.Sprintf("c%d m%d", c, m))
					}
				}
			}()
		}
		wg.Wait()
		t.Logf("%s: %d inbound messages stored in %s", db.Dialect(), conversations*perConversation, time.Since(start).Round(time.Millisecond))
		total := conversations * perConversation
		eventually(t, 3*time.Minute, func() bool {
			return e.count(t, `SELECT COUNT(*) FROM forward_deliveries WHERE state = 'delivered'`) == total
		}, "all %d deliveries delivered", total)
		t.Logf("%s: %d messages forwarded (each after two 500s) in %s", db.Dialect(), total, time.Since(start).Round(time.Millisecond))

		mu.Lock()
		defer mu.Unlock()
		require.Empty(t, problems)
		require.Len(t, acceptedIDs, total, "every delivery id accepted")
		for id, n := range acceptedIDs {
			require.Equal(t, 1, n, "delivery %s accepted twice", id)
		}
		require.Len(t, accepted, conversations)
		for sender, nums := range accepted {
			require.Len(t, nums, perConversation, sender)
			for i, n := range nums {
				require.Equal(t, i, n, "%s: order kept", sender)
			}
		}
		require.Equal(t, 3*total, len(rc.requests()))
		require.Equal(t, 3*total, e.count(t, `SELECT COUNT(*) FROM forward_attempts`))
		require.Equal(t, total, e.count(t, `SELECT COUNT(*) FROM forward_attempts WHERE outcome = 'delivered' AND attempt = 3 AND status_code = 200`))
		require.Equal(t, 2*total, e.count(t, `SELECT COUNT(*) FROM forward_attempts WHERE outcome = 'retry' AND status_code = 500`))
		for _, r := range rc.requests()[:5] {
			require.True(t, strings.HasPrefix(r.Signature, "sha256="))
		}
	})
}

// TestTwoInstancesShareTheWork: two dispatchers on one database (two
// `zapflow serve` processes) both send, and never the same delivery
// twice nor a conversation out of order.
func TestTwoInstancesShareTheWork(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		const conversations, perConversation = 10, 20
		e := newEnv(t, db)
		e.opts.UserAgent = "other"
		other := e.instance(t)
		byInstance := map[string]int{}
		var mu sync.Mutex
		accepted := map[string]int{}
		next := map[string]int{}
		var problems []string
		rc := newReceiver(t, func(r request, n int) (int, http.Header) {
			p := payload(t, r)
			mu.Lock()
			defer mu.Unlock()
			var conv, num int
			fmt.Sscanf(p.Text, "c%d m%d", &conv, &num)
			if num != next[p.Sender] {
				problems = append(problems, fmt.Sprintf("%s: got message %d, expected %d", p.Sender, num, next[p.Sender]))
			}
			next[p.Sender] = num + 1
			accepted[p.DeliveryID]++
			byInstance[r.Agent]++
			return http.StatusOK, nil
		})
		e.enable(t, forward.MethodPOST, rc.URL)
		for m := range perConversation {
			for c := range conversations {
				e.inbound(t, fmt.Sprintf("wamid.c%d.m%d", c, m), fmt.Sprintf("55118%08d", c), "Cliente", fmt.Sprintf("c%d m%d", c, m))
			}
			other.Wake() // the other instance hears of new rows by its poll; wake it as a NOTIFY would
		}
		total := conversations * perConversation
		eventually(t, 3*time.Minute, func() bool {
			return e.count(t, `SELECT COUNT(*) FROM forward_deliveries WHERE state = 'delivered'`) == total
		}, "all delivered")
		mu.Lock()
		defer mu.Unlock()
		t.Logf("%s: deliveries sent by instance: %v", db.Dialect(), byInstance)
		require.Empty(t, problems)
		require.Len(t, accepted, total)
		for id, n := range accepted {
			require.Equal(t, 1, n, "delivery %s sent twice", id)
		}
	})
}
