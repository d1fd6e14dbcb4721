/**
 * The exit codes every foliox command uses (the README's "Exit codes" table). One meaning each,
 * so a script can tell "fix the command line or the input" from "the run went wrong" from "the
 * result is not to be trusted":
 *   0  success
 *   1  a failure of the run: a conformance case or an exchange expectation failed, a result
 *      could not be written after the work was done, an internal error
 *   2  a usage or input error, found before any work: an unknown option, command or name, a
 *      config, trace or result file that is missing or not valid, an output path that cannot
 *      be created or written
 *   3  the run dropped accesses for want of memory (the engine's counters.oom): the result is
 *      printed and written, but its hit ratio and times leave those accesses out; --allow-oom
 *      accepts it
 *   128 + n  stopped by signal n: 130 for SIGINT (Ctrl-C), 143 for SIGTERM (after cleaning up,
 *      the process ends by the signal itself, which a shell reports as 128 + n: signals.ts)
 */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_OOM = 3;

/** The shell's convention for a process stopped by a signal: 128 + the signal's number. */
export const EXIT_SIGNAL_BASE = 128;
