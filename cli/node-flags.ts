// The V8 flags every `locksmith` process must start with, and why. bin.ts's shebang repeats them (a
// shebang cannot import); a test holds the two equal. Nothing here may tune speed: only correctness flags.

/**
 * `--no-concurrent-recompilation`: optimise on the main thread. With background optimising jobs, Node
 * 20's exit can deadlock after the work is done (nodejs/node#54918: the main thread joins the platform's
 * workers while a compile job waits for a main-thread GC). Measured here: `locksmith check` hung at exit
 * in about 1 run in 10 without it, 0 in 50 with it.
 */
export const CLI_NODE_FLAGS: readonly string[] = ["--no-concurrent-recompilation"];
