package api

// SysmonGODEBUG is the GODEBUG setting the API process runs with: make run
// passes it to the runner (which holds the API) and Dockerfile.api sets it;
// tests in cmd/run and deploy hold both to this value.
//
// Go's runtime monitor (sysmon) sleeps deeply while every thread is idle;
// the next system call wakes it, and it then ticks every 20 µs for at least
// a millisecond before it backs off. An API at a moderate load goes idle
// between requests, and between a request's calls to Redis and Centrifugo,
// many times a second, so its monitor hardly ever leaves the 20 µs ticks:
// at 1,000 msg/s it was 17–18% of the API's samples in perf, on the CPUs
// Redis and Centrifugo need. With any schedtrace period set the monitor
// never sleeps deeply, and backs off to its 10 ms tick while it has nothing
// to do. The period is the largest there is (about 24.8 days), so the trace
// itself stays quiet: one line on stderr at start on a machine that has
// been up for longer than that, and one per period after. It took about a
// fifth less API CPU per message at 1,000 msg/s (README, "Performance").
// An operator's own GODEBUG goes after it, so a schedtrace of theirs wins.
const SysmonGODEBUG = "schedtrace=2147483647"
