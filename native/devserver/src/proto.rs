//! The 8-byte proto header that frames every message in both directions (§1.1).
//!
//! Validation mirrors the real server: a frame it would not accept closes the connection, because
//! after a bad header there is no way to find where the next message starts.

use std::fmt;

/// Protocol version in byte 0 of every header.
pub const VERSION: u8 = 2;
/// Header length in bytes.
pub const HEADER_LEN: usize = 8;
/// Largest body the real server accepts (`PROTO_SIZE_MAX`).
pub const MAX_BODY_LEN: usize = 128 * 1024 * 1024;

/// Message types (byte 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Info,
    Admin,
    Message,
    CompressedMessage,
}

impl Kind {
    fn code(self) -> u8 {
        match self {
            Kind::Info => 1,
            Kind::Admin => 2,
            Kind::Message => 3,
            Kind::CompressedMessage => 4,
        }
    }
}

/// A parsed, validated header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub kind: Kind,
    pub body_len: usize,
}

/// Why a header was refused (the connection is then closed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    BadVersion(u8),
    BadType(u8),
    TooLarge(u64),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::BadVersion(v) => write!(f, "proto version {v} is not 2"),
            FrameError::BadType(t) => write!(f, "proto type {t} is not served"),
            FrameError::TooLarge(n) => write!(f, "proto body of {n} bytes exceeds {MAX_BODY_LEN}"),
        }
    }
}

impl std::error::Error for FrameError {}

impl Header {
    /// Validates a received header as the real server does (`service.c`).
    pub fn parse(bytes: [u8; HEADER_LEN]) -> Result<Header, FrameError> {
        let (version, type_code) = (bytes[0], bytes[1]);
        let kind = match type_code {
            1 => Kind::Info,
            2 => Kind::Admin,
            3 => Kind::Message,
            4 => Kind::CompressedMessage,
            other => return Err(FrameError::BadType(other)),
        };
        // Old admin clients send version 0 on type 2.
        if version != VERSION && !(version == 0 && kind == Kind::Admin) {
            return Err(FrameError::BadVersion(version));
        }
        let mut len = [0u8; 8];
        len[2..].copy_from_slice(&bytes[2..]);
        let body_len = u64::from_be_bytes(len);
        match usize::try_from(body_len) {
            Ok(n) if n <= MAX_BODY_LEN => Ok(Header { kind, body_len: n }),
            _ => Err(FrameError::TooLarge(body_len)),
        }
    }
}

/// Starts a frame of `kind` in `out`; finish it with [`end_frame`] once the body is written.
pub fn begin_frame(kind: Kind, out: &mut Vec<u8>) -> usize {
    let start = out.len();
    out.extend_from_slice(&[VERSION, kind.code(), 0, 0, 0, 0, 0, 0]);
    start
}

/// Writes the body length into the header begun at `start`.
pub fn end_frame(start: usize, out: &mut [u8]) {
    let body_len = (out.len() - start - HEADER_LEN) as u64;
    out[start + 2..start + HEADER_LEN].copy_from_slice(&body_len.to_be_bytes()[2..]);
}

/// A whole frame around `body`.
pub fn frame(kind: Kind, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    let start = begin_frame(kind, &mut out);
    out.extend_from_slice(body);
    end_frame(start, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_four_client_types() {
        let header = Header::parse([2, 3, 0, 0, 0, 0, 0, 0x52]).unwrap();
        assert_eq!(
            header,
            Header {
                kind: Kind::Message,
                body_len: 0x52
            }
        );
        assert_eq!(
            Header::parse([0, 2, 0, 0, 0, 0, 0, 16]).unwrap().kind,
            Kind::Admin
        );
    }

    #[test]
    fn refuses_what_the_server_refuses() {
        assert_eq!(
            Header::parse([1, 3, 0, 0, 0, 0, 0, 1]),
            Err(FrameError::BadVersion(1))
        );
        assert_eq!(
            Header::parse([2, 5, 0, 0, 0, 0, 0, 1]),
            Err(FrameError::BadType(5))
        );
        assert_eq!(
            Header::parse([22, 3, 1, 0, 0, 0, 1, 0]),
            Err(FrameError::BadVersion(22))
        );
        assert_eq!(
            Header::parse([2, 1, 0, 0, 8, 0, 0, 1]),
            Err(FrameError::TooLarge(0x0800_0001))
        );
    }

    #[test]
    fn frames_carry_their_body_length() {
        assert_eq!(
            frame(Kind::Info, b"node\n"),
            b"\x02\x01\x00\x00\x00\x00\x00\x05node\n"
        );
    }
}
