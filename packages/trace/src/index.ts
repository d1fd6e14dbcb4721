/**
 * Trace importers: valgrind lackey, Intel Pin pinatrace, perf mem (perf script), damo JSON and
 * the canonical CSV/JSONL, streamed from plain, gzip or zlib files into TraceBatches.
 */
export * from "./batch.js";
export { TraceParseError } from "./errors.js";
export * from "./types.js";
export { detectTraceCompression, type FileTraceSourceOptions, fileTraceSource, type TraceSource } from "./source.js";
export { detectTraceFormat } from "./detect.js";
export { readTrace, createTraceLineParser } from "./read.js";
export { formatTraceCsvHeader, TRACE_CSV_COLUMNS } from "./canonical.js";
export * from "./pages.js";
export * from "./summary.js";
export * from "./convert.js";
export { TraceCanonicalEncoder } from "./encode.js";
export { isTraceBinary, TraceBinaryEncoder, TRACE_BIN_HEADER_BYTES, TRACE_BIN_MAGIC, TRACE_BIN_RECORD_BYTES, TRACE_BIN_VERSION } from "./binary.js";
export { traceFormatProblems, type TraceFormatDefinition } from "./format-plugin.js";
