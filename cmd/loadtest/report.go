package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Print writes the report as Markdown tables, ready for the README.
func (r *Report) Print(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "\n## Load test: %d users in %d rooms, open loop, %s per step\n\n", c.Users, c.Users/2, c.Duration)
	fmt.Fprintf(w, "Target %s, WebSockets %s. Machine: %s.\n", c.URL, r.WSURL, r.Machine)
	var procs []string
	for _, p := range r.Procs {
		procs = append(procs, fmt.Sprintf("%s %d", p.Name, p.PID))
	}
	fmt.Fprintf(w, "Processes measured: %s. The generator shares the CPUs with the servers: compare the API path with the direct path of the same run, not absolute times.\n", strings.Join(procs, ", "))
	for _, n := range r.Notes {
		fmt.Fprintf(w, "Note: %s.\n", n)
	}

	fmt.Fprint(w, "\nLatency = due time of the send -> arrival of the publication on the partner's room subscription.\n\n")
	fmt.Fprintln(w, "| offered msg/s | API path p50 / p99 / max | delivered | Centrifugo direct p50 / p99 / max | delivered |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- |")
	for _, s := range r.Steps {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", rate(s.Rate), latency(s.API), delivered(s.API), latency(s.Direct), delivered(s.Direct))
	}

	fmt.Fprint(w, "\nAnswers and books. HTTP = answer time of each attempt from the moment it left; lag = how late the generator sent against the schedule (high: the generator could not keep up). Reordered: arrived after a higher id on the same subscription; on the direct path the generator numbers a room's messages before publishing, so two publishes of one room in flight at once can swap.\n\n")
	fmt.Fprintln(w, "| offered msg/s | path | HTTP p50 / p99 | refusals p50 / p99 | 2xx | 429 | 503 | other | no answer | never sent | lost | dup | reordered | resent | lag p99 |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, s := range r.Steps {
		for _, m := range []struct {
			path string
			m    *Measured
		}{{"API", s.API}, {"direct", s.Direct}} {
			if m.m == nil {
				continue
			}
			x := m.m
			fmt.Fprintf(w, "| %s | %s | %s / %s ms | %s | %d | %d | %d | %d | %d | %d | %d | %s | %d | %d | %s ms |\n",
				rate(s.Rate), m.path, ms(x.HTTP.P50), ms(x.HTTP.P99), p50p99(x.Refusals), x.Statuses.Created, x.Statuses.RateLimited,
				x.Statuses.Unavailable, x.Statuses.Other, x.Statuses.Errors, x.NeverSent, x.Lost,
				dup(x.StepResult), x.Reordered, x.Resends, ms(x.Lag.P99))
		}
	}

	for _, s := range r.Steps {
		if s.API != nil && s.API.Statuses.NoRetryAfter > 0 {
			fmt.Fprintf(w, "\nAt %s msg/s, %d of the API's 429/503 answers had no Retry-After.\n", rate(s.Rate), s.API.Statuses.NoRetryAfter)
		}
	}

	fmt.Fprint(w, "\nCPU per 1,000 accepted messages, in ms, from /proc/<pid>/stat over the step (sending and draining). Other processes: the CPUs that everything else on the machine kept busy meanwhile (/proc/stat), which the step did not get.\n\n")
	fmt.Fprintln(w, "| offered msg/s | API path: api + centrifugo + redis = total | direct: api + centrifugo + redis = total | API / direct | generator API / direct | other processes, cores API / direct |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- |")
	for _, s := range r.Steps {
		at, atOK := cpuTotal(s.API)
		dt, dtOK := cpuTotal(s.Direct)
		ratio := "-"
		if atOK && dtOK && dt > 0 {
			ratio = fmt.Sprintf("%.1f×", at/dt)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s / %s | %s / %s |\n", rate(s.Rate), cpuParts(s.API), cpuParts(s.Direct), ratio,
			cpuPer1k(s.API, "generator"), cpuPer1k(s.Direct, "generator"), others(s.API), others(s.Direct))
	}

	fmt.Fprintln(w)
	switch {
	case r.RSSBefore == 0 || r.RSSConnected == 0:
		fmt.Fprintln(w, "Centrifugo memory per connected user: unknown (no Centrifugo pid).")
	default:
		per := func(after int64) string {
			return fmt.Sprintf("%.1f KB", float64(after-r.RSSBefore)/float64(c.Users)/1024)
		}
		fmt.Fprintf(w, "Centrifugo memory per connected user: %s (VmRSS %.1f -> %.1f MB for %d connections); %s once each is also subscribed to its room (%.1f MB).\n",
			per(r.RSSConnected), mb(r.RSSBefore), mb(r.RSSConnected), c.Users, per(r.RSSSubscribed), mb(r.RSSSubscribed))
		if r.RSSConnected <= r.RSSBefore || r.PeakBefore > r.RSSBefore*3/2 {
			fmt.Fprintf(w, "  Not a clean figure: Centrifugo had been at %.1f MB before (VmHWM), and its runtime reuses what an earlier run freed. Restart `make run` and run again for this number.\n", mb(r.PeakBefore))
		}
	}
	m := r.Match
	fmt.Fprintf(w, "Match push, %d pairs, %d searching at once: push arrival after the second user's answer p50 / p99 / max %s (negative: the push came before the answer); after its request left %s; search answer %s; %d of %d pushed, %d found by GET /api/search.\n",
		m.Pairs, m.AtOnce, m.PushWait, m.FromSend, m.Answer, m.Pushed, m.Pairs, m.Missing)
	if r.Reconnects > 0 || r.Strays > 0 {
		fmt.Fprintf(w, "WebSocket reconnects during the run: %d; publications of a step that arrived after it closed: %d.\n", r.Reconnects, r.Strays)
	}
}

func p50p99(s Summary) string {
	if s.N == 0 {
		return "-"
	}
	return ms(s.P50) + " / " + ms(s.P99) + " ms"
}

func rate(r float64) string { return thousands(int64(r)) }

func latency(m *Measured) string {
	if m == nil {
		return "-"
	}
	return m.Latency.String()
}

func delivered(m *Measured) string {
	if m == nil {
		return "-"
	}
	s := thousands(int64(m.DeliveredRate()+0.5)) + "/s"
	var extra []string
	if m.NeverSent > 0 {
		extra = append(extra, thousands(int64(m.NeverSent))+" never sent")
	}
	if m.Lost > 0 {
		extra = append(extra, thousands(int64(m.Lost))+" lost")
	}
	if n := m.Offered - m.NeverSent - m.Accepted; n > 0 {
		extra = append(extra, thousands(int64(n))+" refused or unanswered")
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}

func dup(r StepResult) string {
	if r.DuplicateOtherID > 0 {
		return fmt.Sprintf("%d (%d under another id)", r.Duplicated, r.DuplicateOtherID)
	}
	return strconv.Itoa(r.Duplicated)
}

// cpuPer1k is a process's CPU per 1,000 accepted messages, in ms.
func cpuPer1k(m *Measured, name string) string {
	v, ok := per1k(m, name)
	if !ok {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

func per1k(m *Measured, name string) (float64, bool) {
	if m == nil || m.Accepted == 0 {
		return 0, false
	}
	t, ok := m.CPU[name]
	if !ok {
		return 0, false
	}
	return float64(t) / float64(time.Millisecond) / float64(m.Accepted) * 1000, true
}

func cpuParts(m *Measured) string {
	if m == nil {
		return "-"
	}
	tot, ok := cpuTotal(m)
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%s + %s + %s = %.0f", cpuPer1k(m, "api"), cpuPer1k(m, "centrifugo"), cpuPer1k(m, "redis"), tot)
}

// cpuTotal is the servers' CPU per 1,000 messages (not the generator's).
func cpuTotal(m *Measured) (float64, bool) {
	var sum float64
	any := false
	for _, n := range []string{"api", "centrifugo", "redis"} {
		if v, ok := per1k(m, n); ok {
			sum += v
			any = true
		}
	}
	return sum, any
}

// others is the average number of CPUs other processes kept busy.
func others(m *Measured) string {
	if m == nil || m.Wall <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(m.Others)/float64(m.Wall))
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }
