//! Signature matching (prefilter + verify) over packets, streams and
//! application-layer buffers.
