// Package bench holds the performance benchmarks behind docs/BENCHMARKS.md.
// They run only with -bench; see the Taskfile's bench task for the commands.
package bench
