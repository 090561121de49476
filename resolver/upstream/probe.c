/*
 * Probes: when a query goes upstream and some upstream is SUSPECT, or DOWN
 * with its backoff over, a copy of that query's question goes to it on
 * its own (struct dst_probe, with a timer that runs only while the probe
 * is out). The client's query itself goes to a healthy upstream, so a
 * probe never costs a client time; its outcome decides the upstream's
 * state. Idle, nothing is probed: no timer wakes us.
 */
#include "config.h"

#include <stdlib.h>

#include "dns/err.h"
#include "resolver/upstream/internal.h"

struct dst_probe {
	uv_timer_t timer;
	struct dst_upstreams *set;
	struct dst_upstream *up;
	struct dst_upreq *treq;
	uint64_t sent_ms, sent_ns;
};

static void on_probe_closed(uv_handle_t *h)
{
	free(h->data);
}

static void probe_end(struct dst_probe *pr)
{
	if (pr->up->probe == pr)
		pr->up->probe = NULL;
	if (pr->treq) {
		dst_upstream_cancel(pr->up, pr->treq, DST_ECANCELED);
		pr->treq = NULL;
	}
	uv_close((uv_handle_t *)&pr->timer, on_probe_closed);
}

void dst_upstream__end_probe(struct dst_upstream *up)
{
	if (up->probe)
		probe_end(up->probe);
}

static void on_probe_answer(void *arg, int status, const uint8_t *wire, size_t len)
{
	struct dst_probe *pr = arg;
	struct dst_upstreams *u = pr->set;
	struct dst_upstream *up = pr->up;

	pr->treq = NULL;
	probe_end(pr);
	if (status == DST_ECANCELED)
		return;
	if (status < 0) {
		dst_upstreams_failed(u, up, status, pr->sent_ms);
		return;
	}
	unsigned rcode = dst_dns_rcode(wire);
	if (rcode == DST_DNS_RCODE_SERVFAIL || rcode == DST_DNS_RCODE_REFUSED)
		dst_upstreams_servfail(u, up);
	else
		dst_upstreams_ok(u, up, pr->sent_ns);
}

static void on_probe_timeout(uv_timer_t *t)
{
	struct dst_probe *pr = t->data;
	struct dst_upreq *treq = pr->treq;

	pr->treq = NULL;
	if (treq)
		dst_upstream_cancel(pr->up, treq, DST_ETIMEDOUT);
	probe_end(pr);
	dst_upstreams_failed(pr->set, pr->up, DST_ETIMEDOUT, pr->sent_ms);
}

/*
 * A probe needs a new connection, so it gets at least the initial attempt
 * timeout, and twice the adaptive one.
 */
void dst_upstream__send_probe(struct dst_upstreams *u, struct dst_upstream *up, const uint8_t *req,
			      const struct dst_dns_query *dq)
{
	uint8_t buf[3 * DST_DNS_PAD_BLOCK];
	uint32_t t = 2 * dst_selector_attempt_timeout_ms(u->selector, up->index);
	struct dst_probe *pr = NULL;

	if (t < DST_UP_INITIAL_TIMEOUT_MS)
		t = DST_UP_INITIAL_TIMEOUT_MS;
	if (t > u->cfg->query_timeout_ms)
		t = u->cfg->query_timeout_ms;
	if (up->probe) {
		/*
		 * One from an earlier round is still out: it becomes this round's
		 * probe (counted as sent now). Not cancelled: we may be inside a
		 * callback of this very pool, which must not lose requests under it.
		 */
		up->probe->sent_ms = uv_now(u->loop);
		return;
	}
	ssize_t n = dst_dns_upstream_query(req, dq, 0, buf, sizeof(buf));
	int r = n < 0 ? (int)n : 0;
	if (r == 0) {
		pr = calloc(1, sizeof(*pr));
		r = pr ? 0 : DST_ENOMEM;
	}
	if (r == 0) {
		uv_timer_init(u->loop, &pr->timer);
		pr->timer.data = pr;
		pr->set = u;
		pr->up = up;
		pr->sent_ms = uv_now(u->loop);
		pr->sent_ns = uv_hrtime();
		r = dst_upstream_send(up, buf, (size_t)n, on_probe_answer, pr, &pr->treq);
		if (r < 0) {
			pr->treq = NULL;
			probe_end(pr);
		} else {
			up->probe = pr;
			uv_timer_start(&pr->timer, on_probe_timeout, t, 0);
		}
	}
	if (r < 0)
		dst_selector_failure(u->selector, up->index, r, "could not send a probe",
				     uv_now(u->loop), uv_now(u->loop));
}
