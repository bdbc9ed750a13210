//! The network side of a node: accept connections, then per connection a strict
//! request/response loop. Idle connections are never reaped (clients pool them). A frame that
//! cannot be trusted closes that one connection; nothing a client sends can stop the others.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::cluster::{ClusterState, NodeIdentity};
use crate::message::{field, info1, Message, Reply};
use crate::proto::{self, Header, Kind};
use crate::result_code::{ENTERPRISE_ONLY, SECURITY_NOT_ENABLED};
use crate::{batch, command, info, query};

/// Accepts connections until the task is aborted; aborting also drops every connection.
pub async fn serve(listener: TcpListener, node: Arc<NodeIdentity>, state: Arc<ClusterState>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                // Accept errors (e.g. out of file descriptors) are transient: keep listening.
                if let Ok((stream, _)) = accepted {
                    connections.spawn(serve_connection(stream, Arc::clone(&node), Arc::clone(&state)));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(
    mut stream: TcpStream,
    node: Arc<NodeIdentity>,
    state: Arc<ClusterState>,
) {
    let _ = stream.set_nodelay(true);
    let mut header = [0u8; proto::HEADER_LEN];
    let mut body = Vec::new();
    let mut reply = Vec::new();
    loop {
        if stream.read_exact(&mut header).await.is_err() {
            return;
        }
        let Ok(header) = Header::parse(header) else {
            return;
        };
        body.clear();
        // Grows with what arrives instead of trusting the declared length up front.
        let read = (&mut stream)
            .take(header.body_len as u64)
            .read_to_end(&mut body)
            .await;
        if read.is_err() || body.len() != header.body_len {
            return;
        }
        reply.clear();
        respond(header.kind, &body, &node, &state, &mut reply);
        if stream.write_all(&reply).await.is_err() {
            return;
        }
    }
}

/// Builds the whole reply frame for one request.
pub fn respond(
    kind: Kind,
    body: &[u8],
    node: &NodeIdentity,
    state: &ClusterState,
    out: &mut Vec<u8>,
) {
    match kind {
        Kind::Info => {
            out.extend_from_slice(&proto::frame(Kind::Info, &info::answer(body, node, state)))
        }
        Kind::Admin => out.extend_from_slice(&security_not_enabled()),
        Kind::Message => handle_message(body, node, state, out),
        // Compression is an Enterprise feature: a Community server answers this code.
        Kind::CompressedMessage => {
            let start = proto::begin_frame(Kind::Message, out);
            Reply::error(ENTERPRISE_ONLY).write(0, out);
            proto::end_frame(start, out);
        }
    }
}

/// Routes an AS_MSG by shape (§3.6) and appends its reply frames.
fn handle_message(body: &[u8], node: &NodeIdentity, state: &ClusterState, out: &mut Vec<u8>) {
    let reply = match Message::parse(body) {
        Err(rc) => Reply::error(rc),
        Ok(msg) if msg.header.info1 & info1::BATCH != 0 => {
            return batch::execute(&state.store, &msg, out)
        }
        Ok(msg) if msg.field(field::DIGEST).is_none() => {
            return query::execute(state, node, &msg, out)
        }
        Ok(msg) => command::execute(&state.store, &msg),
    };
    let start = proto::begin_frame(Kind::Message, out);
    reply.write(0, out);
    proto::end_frame(start, out);
}

/// The admin reply for every security command: security is not enabled (result 52), which both
/// clients take as "no login needed".
fn security_not_enabled() -> Vec<u8> {
    let mut body = [0u8; 16];
    body[1] = SECURITY_NOT_ENABLED;
    proto::frame(Kind::Admin, &body)
}
