//! Multi-record replies (batch §3.8, scan/query §3.9.2): sub-replies concatenated into proto
//! messages of about 128 KiB, closed by a header-only message flagged `LAST`.

use crate::message::{info3, Header};
use crate::proto::{self, Kind};
use crate::result_code::ResultCode;

/// Body size after which the current proto message is closed (the server's `QUERY_CHUNK_LIMIT`).
pub const CHUNK_LIMIT: usize = 128 * 1024;

/// Writes a stream of proto messages into `out`.
pub struct ReplyStream<'o> {
    out: &'o mut Vec<u8>,
    frame_start: usize,
}

impl<'o> ReplyStream<'o> {
    pub fn new(out: &'o mut Vec<u8>) -> ReplyStream<'o> {
        let frame_start = proto::begin_frame(Kind::Message, out);
        ReplyStream { out, frame_start }
    }

    /// Where the next sub-reply is appended; call [`ReplyStream::end_entry`] after each one.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        self.out
    }

    /// Closes the current proto message once it has grown past [`CHUNK_LIMIT`], so that clients
    /// can start parsing before the whole reply exists.
    pub fn end_entry(&mut self) {
        if self.out.len() - self.frame_start - proto::HEADER_LEN >= CHUNK_LIMIT {
            proto::end_frame(self.frame_start, self.out);
            self.frame_start = proto::begin_frame(Kind::Message, self.out);
        }
    }

    /// Appends the `LAST` marker carrying `result_code` (and, for a batch stopped by a row's
    /// error, that row's index) and closes the stream.
    pub fn finish(self, result_code: ResultCode, transaction_ttl: u32) {
        let last = Header {
            info3: info3::LAST,
            result_code,
            transaction_ttl,
            ..Header::default()
        };
        last.write(0, 0, self.out);
        proto::end_frame(self.frame_start, self.out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_stream_is_the_appendix_end_marker() {
        let mut out = Vec::new();
        ReplyStream::new(&mut out).finish(0, 0);
        let mut expected = vec![2, 3, 0, 0, 0, 0, 0, 22, 22, 0, 0, 1];
        expected.resize(8 + 22, 0);
        assert_eq!(out, expected);
    }

    #[test]
    fn large_streams_are_split_into_several_messages() {
        let mut out = Vec::new();
        let mut stream = ReplyStream::new(&mut out);
        for _ in 0..3 {
            stream.buffer().extend_from_slice(&[0u8; CHUNK_LIMIT]);
            stream.end_entry();
        }
        stream.finish(0, 0);
        let mut frames = 0;
        let mut rest = out.as_slice();
        while !rest.is_empty() {
            let header = proto::Header::parse(rest[..8].try_into().unwrap()).unwrap();
            assert!(header.body_len > 0);
            rest = &rest[8 + header.body_len..];
            frames += 1;
        }
        assert_eq!(frames, 4, "three full chunks, then the LAST marker alone");
    }
}
